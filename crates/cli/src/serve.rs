//! `levelfield serve` and `levelfield admin`: the web app on the organisation's own machine, and
//! its accounts.

use std::io::{BufRead, IsTerminal};

use levelfield_server::{Config, Store, auth};

use crate::{
    CommandError,
    args::{
        AdminCommand, CreateUserArgs, DataDirArgs, DeleteDatasetArgs, ServeArgs, SetRoleArgs,
        UserArgs,
    },
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
        max_decompressed: args.max_decompressed_mb.saturating_mul(1 << 20),
        max_rows: args.max_rows,
        max_columns: args.max_columns,
        token_days: args.token_days,
        max_hashing: args.max_hashing,
        trust_forwarded_for: args.trust_forwarded_for,
        viewers_see_provenance: args.viewers_see_provenance,
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
        AdminCommand::ListUsers(args) => list_users(args),
        AdminCommand::SetRole(args) => set_role(args),
        AdminCommand::Disable(args) => set_disabled(args, true),
        AdminCommand::Enable(args) => set_disabled(args, false),
        AdminCommand::ResetPassword(args) => reset_password(args),
        AdminCommand::DeleteDataset(args) => delete_dataset(args),
    }
}

/// The store of an existing data folder (an admin command never makes one, except
/// `create-user`).
fn existing_store(data_dir: &std::path::Path) -> Result<Store, CommandError> {
    if !data_dir.join("levelfield.sqlite3").is_file() {
        return Err(CommandError::Input(format!(
            "{}: no levelfield store here; give the --data-dir that `levelfield serve` uses",
            data_dir.display()
        )));
    }
    Ok(Store::open(data_dir)?)
}

fn list_users(args: &DataDirArgs) -> Result<(), CommandError> {
    let store = existing_store(&args.data_dir)?;
    println!("username,role,state");
    for u in store.users()? {
        let state = match (u.disabled, u.must_change_password) {
            (true, _) => "disabled",
            (false, true) => "must change password",
            _ => "active",
        };
        println!("{},{},{state}", u.username, u.role.as_str());
    }
    Ok(())
}

fn set_role(args: &SetRoleArgs) -> Result<(), CommandError> {
    let store = existing_store(&args.data_dir)?;
    let role = args.role;
    let user = store.user_named(&args.username)?;
    let user = store.set_role(None, user.id, role)?;
    println!(
        "levelfield: {} is now {}",
        user.username,
        user.role.as_str()
    );
    Ok(())
}

fn set_disabled(args: &UserArgs, disabled: bool) -> Result<(), CommandError> {
    let store = existing_store(&args.data_dir)?;
    let user = store.user_named(&args.username)?;
    let user = store.set_disabled(None, user.id, disabled)?;
    let what = if user.disabled {
        "disabled; their sessions ended and their API tokens are revoked"
    } else {
        "enabled"
    };
    println!("levelfield: {} {what}", user.username);
    Ok(())
}

fn reset_password(args: &UserArgs) -> Result<(), CommandError> {
    let store = existing_store(&args.data_dir)?;
    let user = store.user_named(&args.username)?;
    let password = read_password(&args.username)?;
    let hash = auth::hash_password(&password)
        .map_err(|e| CommandError::Input(format!("{e}; nothing was changed")))?;
    store.set_password(None, user.id, &hash, true, None)?;
    println!(
        "levelfield: {}'s password reset; they must choose a new one at their next sign-in",
        user.username
    );
    Ok(())
}

fn delete_dataset(args: &DeleteDatasetArgs) -> Result<(), CommandError> {
    let store = existing_store(&args.data_dir)?;
    let file = store.delete_dataset(None, args.id)?.ok_or_else(|| {
        CommandError::Input(format!("--id {}: there is no dataset {}", args.id, args.id))
    })?;
    let path = args.data_dir.join("datasets").join(file);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(CommandError::Input(format!(
                "dataset {} is deleted from the store, but {} could not be removed: {e}; remove it by hand (a server removes it at its next start)",
                args.id,
                path.display()
            )));
        }
    }
    println!(
        "levelfield: dataset {} deleted; runs that used it keep their results",
        args.id
    );
    Ok(())
}

/// A password typed twice at a terminal, or one line of standard input for scripts.
fn read_password(username: &str) -> Result<String, CommandError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {username}: "))
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        if first != again {
            return Err(CommandError::Input(
                "the two passwords differ; nothing was stored".into(),
            ));
        }
        Ok(first)
    } else {
        // One line from standard input, for scripts: `printf '%s\n' "$PW" | levelfield admin …`.
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CommandError::Input(format!("cannot read the password: {e}")))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn create_user(args: &CreateUserArgs) -> Result<(), CommandError> {
    auth::check_username(&args.username)
        .map_err(|e| CommandError::Input(format!("--username {}: {e}", args.username)))?;
    let role = args.role;
    let password = read_password(&args.username)?;
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
