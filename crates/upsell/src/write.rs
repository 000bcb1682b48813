//! The one way `upsell` writes a file: models, itemsets, rules, matrices.
//!
//! A regular file, or a name that does not exist yet, is written to a temporary file with a unique
//! name in the same folder, flushed to disk and renamed over the name only once complete: a run
//! that fails (full disk), is interrupted or races another run never leaves a truncated or mixed
//! file under the name, and the old file survives until the new one is whole. Anything else is
//! written where it is, never replaced: a FIFO, a character or block device, a socket. A symbolic
//! link is followed: its target is replaced, the link stays a link.
//!
//! The temporary file is removed on every error and when an unfinished [`FileWriter`] is dropped;
//! a program that ends on a signal removes it through [`FileWriter::temporary`] (the command line
//! does, for Ctrl-C and SIGTERM).
//!
//! ```
//! use std::io::Write;
//! use upsell::write::FileWriter;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("out.csv");
//! std::fs::write(&path, "old")?;
//! let mut out = FileWriter::create(&path)?;
//! out.write_all(b"new")?;
//! assert_eq!(std::fs::read_to_string(&path)?, "old"); // unchanged until committed
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(&path)?, "new");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A file being written; see the [module](self) for what happens to what kind of file.
pub struct FileWriter {
    /// The name the caller gave, for messages.
    path: PathBuf,
    target: Target,
}

enum Target {
    /// A temporary file, renamed over `to` by [`FileWriter::commit`].
    Replace {
        file: BufWriter<tempfile::NamedTempFile>,
        to: PathBuf,
    },
    /// A FIFO, device or socket, written as it is.
    Direct(BufWriter<File>),
}

/// Symbolic links followed before giving up, as the kernel does.
const MAX_LINKS: usize = 40;

const BUFFER_BYTES: usize = 1 << 16;

impl FileWriter {
    /// Opens `path` for writing; nothing is visible under a replaced name until
    /// [`FileWriter::commit`].
    ///
    /// Fails with [`crate::ErrorKind::Io`] ("cannot write ...") when the folder is missing or
    /// not writable, or `path` is a folder.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let fail = |source: io::Error| Error::write(path, source);
        let resolved = follow_links(path).map_err(fail)?;
        let existing = std::fs::metadata(&resolved).ok();
        let target = match existing {
            Some(meta) if meta.is_dir() => {
                return Err(fail(io::Error::other("it is a folder")));
            }
            Some(meta) if !meta.is_file() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&resolved)
                    .map_err(fail)?;
                Target::Direct(BufWriter::with_capacity(BUFFER_BYTES, file))
            }
            _ => {
                let folder = match resolved.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let name = resolved
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let file = create_temporary(folder, &name, existing.as_ref()).map_err(fail)?;
                Target::Replace {
                    file: BufWriter::with_capacity(BUFFER_BYTES, file),
                    to: resolved,
                }
            }
        };
        Ok(FileWriter {
            path: path.to_owned(),
            target,
        })
    }

    /// Writes all of `bytes` to `path` as [`FileWriter::create`] and [`FileWriter::commit`] do.
    pub fn write_file(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
        let mut out = FileWriter::create(path)?;
        out.write_all(bytes).map_err(|e| out.error(e))?;
        out.commit()
    }

    /// The temporary file being written, if the destination is replaced: a program that exits on
    /// a signal (no destructors run) removes it.
    pub fn temporary(&self) -> Option<&Path> {
        match &self.target {
            Target::Replace { file, .. } => Some(file.get_ref().path()),
            Target::Direct(_) => None,
        }
    }

    /// The name this writes to, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An [`crate::ErrorKind::Io`] error for a failed write to this file.
    pub fn error(&self, source: io::Error) -> Error {
        Error::write(&self.path, source)
    }

    /// Finishes: flushes, syncs a replaced file to disk and renames it over the name. On error
    /// the temporary file is removed and an existing file keeps its old contents.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let fail = |source: io::Error| Error::write(&path, source);
        match self.target {
            Target::Direct(mut file) => file.flush().map_err(fail),
            Target::Replace { file, to } => {
                let file = file.into_inner().map_err(|e| fail(e.into_error()))?;
                file.as_file().sync_all().map_err(fail)?;
                file.persist(&to).map_err(|e| fail(e.error))?;
                // The rename is durable once the folder is synced; where folders cannot be opened
                // (not Unix), the file itself is already whole.
                if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
                    if let Ok(folder) = File::open(folder) {
                        let _ = folder.sync_all();
                    }
                }
                Ok(())
            }
        }
    }
}

impl Write for FileWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Replace { file, .. } => file.write(bytes),
            Target::Direct(file) => file.write(bytes),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Replace { file, .. } => file.write_all(bytes),
            Target::Direct(file) => file.write_all(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Replace { file, .. } => file.flush(),
            Target::Direct(file) => file.flush(),
        }
    }
}

/// `path` with every symbolic link along its last component followed, so a link's target is
/// what gets replaced. A dangling link names the file to create.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(folder) if link.is_relative() => folder.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// A new temporary file in `folder` for replacing `name`: `.NAME.PID.N.tmp`, unique across the
/// processes and threads writing there (the process id and a per-process counter; a name left
/// by an earlier process with the same id is skipped), removed when dropped unless persisted.
///
/// Named here rather than by `tempfile`'s random names: its random generator is seeded from
/// `std::thread::current()`, which on a thread Rust did not start (a C host's main thread) leaves
/// a handle until the thread ends that leak checkers report as lost.
fn create_temporary(
    folder: &Path,
    name: &str,
    existing: Option<&std::fs::Metadata>,
) -> io::Result<tempfile::NamedTempFile> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(permissions) = permissions(existing) {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(permissions.mode());
    }
    let folder = std::path::absolute(folder)?;
    let pid = std::process::id();
    let mut taken = 0;
    loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = folder.join(format!(".{name}.{pid}.{n}.tmp"));
        match options.open(&path) {
            Ok(file) => {
                #[cfg(not(unix))]
                if let Some(permissions) = permissions(existing) {
                    file.set_permissions(permissions)?;
                }
                // The path is absolute (it is removed by name, even after a change of folder).
                let path = tempfile::TempPath::try_from_path(path)?;
                return Ok(tempfile::NamedTempFile::from_parts(file, path));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && taken < 1000 => taken += 1,
            Err(e) => return Err(e),
        }
    }
}

/// The permissions of the new file: those of the file it replaces, else on Unix what
/// `File::create` gives (read and write for all, less the umask).
fn permissions(existing: Option<&std::fs::Metadata>) -> Option<std::fs::Permissions> {
    if let Some(meta) = existing {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    None
}
