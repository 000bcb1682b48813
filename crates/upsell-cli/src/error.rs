//! The command's errors: core errors as they are, plus the few that only a command has (writing
//! its output file, a bad `--output` name). The exit status is decided here, once.

use std::fmt;
use std::path::PathBuf;

use upsell::ErrorKind;

/// Exit status for invalid input or parameters (the same as clap's usage errors).
pub const EXIT_INVALID: u8 = 2;
/// Exit status for other failures: I/O, limits.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status after Ctrl-C, as shells report a SIGINT death (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug)]
pub enum CliError {
    /// An error of the core, with its own message and kind.
    Core(upsell::Error),
    /// Writing results failed.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A command-line value the core does not check (output name, delimiter).
    Usage(String),
    /// The reader of stdout went away (`upsell mine ... | head`): not an error for a shell user.
    BrokenPipe,
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Core(err) => match err.kind() {
                ErrorKind::InvalidInput | ErrorKind::InvalidParameter | ErrorKind::Parse => {
                    EXIT_INVALID
                }
                ErrorKind::Cancelled => EXIT_INTERRUPTED,
                _ => EXIT_FAILURE,
            },
            CliError::Usage(_) => EXIT_INVALID,
            CliError::Write { .. } => EXIT_FAILURE,
            CliError::BrokenPipe => 0,
        }
    }

    /// Maps a write error on `path`; a closed stdout becomes [`CliError::BrokenPipe`].
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Write {
                path: path.into(),
                source,
            }
        }
    }

    /// [`CliError::write`] on standard output.
    pub fn stdout(source: std::io::Error) -> Self {
        CliError::write("<stdout>", source)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Core(err) if err.kind() == ErrorKind::Cancelled => {
                f.write_str("interrupted (Ctrl-C); no results were written")
            }
            CliError::Core(err) => write!(f, "{err}"),
            CliError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            CliError::Usage(message) => f.write_str(message),
            CliError::BrokenPipe => f.write_str("output closed"),
        }
    }
}

impl From<upsell::Error> for CliError {
    fn from(err: upsell::Error) -> Self {
        CliError::Core(err)
    }
}
