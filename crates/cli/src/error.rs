//! [`CommandError`]: what a command reports when it cannot finish, and the exit code for it.

use levelfield_table::TableError;

/// Why a command stopped. Every message names the file, row or group, and column involved and
/// says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The input is unusable: a missing column, a value out of range, a bad option.
    #[error("{0}")]
    Input(String),
    /// Reading the input failed.
    #[error(transparent)]
    Read(TableError),
    /// Writing the results failed; nothing was left at the output path.
    #[error("could not write the results: {0}")]
    Write(TableError),
    /// The run failed for a reason outside the input (a cluster lost or out of reach); nothing
    /// was written.
    #[error("{0}")]
    Failed(String),
}

impl CommandError {
    /// The process exit code: 2 for bad input, 1 for a failure to write.
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Input(_) | CommandError::Read(_) => 2,
            CommandError::Write(_) | CommandError::Failed(_) => 1,
        }
    }
}

impl From<TableError> for CommandError {
    fn from(e: TableError) -> CommandError {
        match e {
            TableError::Io { .. } | TableError::Csv { .. } | TableError::Parquet { .. } => {
                CommandError::Read(e)
            }
            other => CommandError::Input(other.to_string()),
        }
    }
}
