//! `levelfield serve` and `levelfield admin`: the web app on the organisation's own machine, and
//! its accounts.

use std::io::{BufRead, IsTerminal};

use levelfield_server::{Config, Store, auth};

use crate::{
    CommandError,
    args::{AdminCommand, CreateUserArgs, ServeArgs},
};

impl From<levelfield_server::StoreError> for CommandError {
    fn from(e: levelfield_server::StoreError) -> CommandError {
        CommandError::Input(e.to_string())
    }
}

/// `levelfield serve`.
pub(crate) fn serve(args: &ServeArgs) -> Result<(), CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Input(format!("cannot start the server's runtime: {e}")))?;
    let config = Config {
        secure_cookies: args.secure_cookies,
        max_upload: args.max_upload_mb.saturating_mul(1 << 20),
        ..Config::default()
    };
    runtime
        .block_on(levelfield_server::serve(&args.data_dir, args.bind, config))
        .map_err(|e| CommandError::Input(e.to_string()))
}

/// `levelfield admin`.
pub(crate) fn admin(command: &AdminCommand) -> Result<(), CommandError> {
    match command {
        AdminCommand::CreateUser(args) => create_user(args),
    }
}

fn create_user(args: &CreateUserArgs) -> Result<(), CommandError> {
    auth::check_username(&args.username)
        .map_err(|e| CommandError::Input(format!("--username {}: {e}", args.username)))?;
    let role = auth::Role::parse(&args.role).ok_or_else(|| {
        CommandError::Input(format!(
            "--role {}: use viewer, analyst or admin",
            args.role
        ))
    })?;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {}: ", args.username))
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        if first != again {
            return Err(CommandError::Input(
                "the two passwords differ; nothing was stored".into(),
            ));
        }
        first
    } else {
        // One line from standard input, for scripts: `printf '%s\n' "$PW" | levelfield admin …`.
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    let hash = auth::hash_password(&password)
        .map_err(|e| CommandError::Input(format!("{e}; nothing was stored")))?;
    std::fs::create_dir_all(&args.data_dir).map_err(|e| {
        CommandError::Input(format!(
            "{}: cannot create the data folder: {e}",
            args.data_dir.display()
        ))
    })?;
    let store = Store::open(&args.data_dir)?;
    let user = store.create_user(&args.username, &hash, role, None)?;
    println!(
        "levelfield: user {} ({}) added to {}",
        user.username,
        role.as_str(),
        args.data_dir.display()
    );
    Ok(())
}
