//! Default local folders, XDG-style: the `fs` storage root, the upload journals, the key file.
//! Each can be overridden by an environment variable or a flag of the binary.

use std::path::PathBuf;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> PathBuf {
    env_path("HOME").unwrap_or_else(|| PathBuf::from("."))
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    env_path(var).unwrap_or_else(|| home().join(fallback))
}

/// The embedded `fs` backend's root: `$TWINSHARE_DATA`, else
/// `$XDG_DATA_HOME/twinshare/storage` (`~/.local/share/twinshare/storage`).
pub fn default_storage_dir() -> PathBuf {
    env_path("TWINSHARE_DATA")
        .unwrap_or_else(|| xdg("XDG_DATA_HOME", ".local/share").join("twinshare/storage"))
}

/// Upload journals: `$XDG_STATE_HOME/twinshare/uploads` (`~/.local/state/twinshare/uploads`).
/// Local only: a journal holds plaintext fragment hashes.
pub fn default_journal_dir() -> PathBuf {
    xdg("XDG_STATE_HOME", ".local/state").join("twinshare/uploads")
}

/// The owner's master key file: `$XDG_CONFIG_HOME/twinshare/master.key`
/// (`~/.config/twinshare/master.key`).
pub fn default_key_file() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("twinshare/master.key")
}
