//! cmake and libclang from PyPI, as the default model is fetched: `pip download` of a pinned
//! version whose every wheel's SHA-256 is pinned too (`--require-hashes`: pip refuses any other
//! file), unpacked with Python's `zipfile` into the cache, then moved into place in one step with a
//! marker, so a tool in the cache is always whole and checked, and a cache hit runs nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// A tool shipped as wheels on PyPI.
#[derive(Debug)]
pub(crate) struct Tool {
    /// The PyPI package.
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    /// The SHA-256 of each of its wheels (every platform PyPI has one for; pip picks this
    /// machine's).
    hashes: &'static [&'static str],
    /// The file the build uses, inside the unpacked wheel, for Linux, macOS and Windows.
    member: [&'static str; 3],
    /// A folder that must come with it (cmake's modules), if any.
    companion: Option<&'static str>,
}

/// cmake 3.31.10 (the last 3.x: llama.cpp asks for 3.14 to 3.28, and 4.x drops compatibility
/// with old `cmake_minimum_required` calls some projects still make). Hashes from
/// <https://pypi.org/pypi/cmake/json>.
pub(crate) const CMAKE: Tool = Tool {
    name: "cmake",
    version: "3.31.10",
    hashes: &[
        "678fc23db37cc69f01e18eb28790450ecc9401fd2fcd43364cc18f92330c12c2", // musllinux_1_1_x86_64
        "ad697643a00d9ba85179590a383c4f7401169b55ebf4b8b2938daf28c6bdeb6d", // macosx_10_10_universal2
        "a4a5615f31f692c9b9aa8b365704e4b76172348af6fa40e16fea3f118bb01194", // manylinux_2_17_aarch64
        "e135d5f1e59f1dc1c80eea87321977d6c0eff86cb601c28e0965a1dd457ea587", // musllinux_1_2_armv7l
        "a7864605238759a4ae8e3bd1fda2bb03978e3e37df310852662dcf53866413c8", // manylinux_2_17_ppc64le
        "91410816db3beefe2f6032d721f9978c98dc7646e9992c0325486597164fab81", // manylinux_2_31_armv7l
        "6970bb75c4dfc28cc31ff0cd848194d09094ae00d605181e1345b2ff70b61050", // musllinux_1_1_i686
        "7c300e4ae68fbc1414a85505f7feb262cee82ff3304a286885ebf803b11a997c", // manylinux_2_12_i686
        "2f766bb46367e5e0559fa33184653754bce044583a06014dcaebf8e6dff8a1f1", // manylinux_2_17_x86_64
        "3c17bb24dba15f8ecc3fd706afe04264410ef88796f4115c119327c961d5dc57", // manylinux_2_12_x86_64
        "8d2ec5fc45d305227020c82213140a51a0cebe3c84f0299036f05716b3a52f60", // manylinux_2_17_i686
        "4cefb0a28ac1268b4eed4b595bf3aaff8de9704089066027700ec36584eccab8", // musllinux_1_1_ppc64le
        "c2e5361dea9754ed3b06cf834894fb47dcbe7036d5e5d87acaeb10ff3dd5fd10", // musllinux_1_1_aarch64
        "f1ea1fe826355560e8976c3d5794d9357444209bc0e0d56676c71e6a571fd474", // win_amd64
        "b331984de38dbda22d676f8812c8905526341ba7b397fe8c359255ff4d051193", // musllinux_1_1_s390x
        "1debc3a0823ce5d8d1bc17154599bbbb337c2681f93622b618bc78f46576e42a", // manylinux_2_17_s390x
        "b059a1810a2ce766b3e531bdc8d730bc192e260a9fa7dec7a0eb7a053d6063c7", // win32
        "422a54711aa977af19d59b8f6010354cdda0b72a2e6d702b6d892e3e2cdf98a2", // win_arm64
    ],
    member: [
        "cmake/data/bin/cmake",
        "cmake/data/bin/cmake",
        "cmake/data/bin/cmake.exe",
    ],
    companion: Some("cmake/data/share/cmake-3.31"),
};

/// libclang 18.1.1. It ships no compiler headers (`stddef.h`, `stdbool.h`): the caller points
/// bindgen at the C compiler's. Hashes from <https://pypi.org/pypi/libclang/json>.
pub(crate) const LIBCLANG: Tool = Tool {
    name: "libclang",
    version: "18.1.1",
    hashes: &[
        "69f8eb8f65c279e765ffd28aaa7e9e364c776c17618af8bff22a8df58677ff4f", // musllinux_1_2_x86_64
        "0b2e143f0fac830156feb56f9231ff8338c20aecfe72b4ffe96f19e5a1dbb69a", // macosx_11_0_arm64 (build 1)
        "83ce5045d101b669ac38e6da8e58765f12da2d3aafb3b9b98d88b286a60964d8", // macosx_11_0_arm64
        "4dd2d3b82fab35e2bf9ca717d7b63ac990a3519c7e312f19fa8e86dcc712f7fb", // win_amd64
        "6f14c3f194704e5d09769108f03185fce7acaf1d1ae4bbb2f30a72c2400cb7c5", // macosx_10_9_x86_64
        "c533091d8a3bbf7460a00cb6c1a71da93bffe148f172c7d03b1c31fbf8aa2a0b", // manylinux2010_x86_64
        "3f0e1f49f04d3cd198985fea0511576b0aee16f9ff0e0f0cad7f9c57ec3c20e8", // win_arm64
        "cf4a99b05376513717ab5d82a0db832c56ccea4fd61a69dbb7bccf2dfb207dbe", // manylinux2014_armv7l
        "54dda940a4a0491a9d1532bf071ea3ef26e6dbaf03b5000ed94dd7174e8f9592", // manylinux2014_aarch64
    ],
    member: [
        "libclang-18.1.1.data/platlib/clang/native/libclang.so",
        "libclang-18.1.1.data/platlib/clang/native/libclang.dylib",
        "libclang-18.1.1.data/platlib/clang/native/libclang.dll",
    ],
    companion: None,
};

/// Written last into an unpacked, checked wheel: its presence is the cache hit.
const MARKER: &str = ".xtask-complete";

impl Tool {
    /// `cmake==3.31.10`.
    pub(crate) fn requirement(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }

    /// The line of a pip requirements file that accepts only the pinned wheels.
    fn requirements_line(&self) -> String {
        let mut line = self.requirement();
        for hash in self.hashes {
            line.push_str(" --hash=sha256:");
            line.push_str(hash);
        }
        line
    }

    /// The file the build uses, inside the unpacked wheel; `None` where PyPI has no wheel of it
    /// for this operating system.
    fn member(&self, os: &str) -> Option<&'static str> {
        match os {
            "linux" => Some(self.member[0]),
            "macos" => Some(self.member[1]),
            "windows" => Some(self.member[2]),
            _ => None,
        }
    }

    /// The unpacked wheel's folder in the cache (per platform, in case the cache is shared).
    fn dir(&self, tools: &Path) -> PathBuf {
        let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
        tools.join(format!("{}-{}-{os}-{arch}", self.name, self.version))
    }

    /// The tool's file when the cache holds it whole and checked.
    pub(crate) fn cached(&self, tools: &Path, os: &str) -> Option<PathBuf> {
        let dir = self.dir(tools);
        let marker = std::fs::read_to_string(dir.join(MARKER)).ok()?;
        let file = dir.join(self.member(os)?);
        (marker.starts_with(&self.requirement()) && file.is_file()).then_some(file)
    }

    /// Fetches, checks and unpacks the wheel into `tools`; returns the tool's file.
    pub(crate) fn fetch(&self, tools: &Path, python: &str) -> Result<PathBuf, String> {
        let os = std::env::consts::OS;
        let member = self.member(os).ok_or_else(|| {
            format!(
                "xtask fetches {} only on Linux, macOS and Windows, not on {os}",
                self.name
            )
        })?;
        std::fs::create_dir_all(tools).map_err(|e| io_error(tools, &e))?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let work = tools.join(format!(
            ".fetch-{}-{}-{nanos}",
            self.name,
            std::process::id()
        ));
        let result = self.fetch_into(&work, tools, python, member);
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    fn fetch_into(
        &self,
        work: &Path,
        tools: &Path,
        python: &str,
        member: &str,
    ) -> Result<PathBuf, String> {
        std::fs::create_dir_all(work).map_err(|e| io_error(work, &e))?;
        let requirements = work.join("requirements.txt");
        std::fs::write(&requirements, self.requirements_line() + "\n")
            .map_err(|e| io_error(&requirements, &e))?;
        let wheels = work.join("wheel");
        run(Command::new(python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(["--require-hashes", "--disable-pip-version-check", "--quiet"])
            .arg("--dest")
            .arg(&wheels)
            .arg("-r")
            .arg(&requirements))
        .map_err(|e| self.pip_failure(&e))?;
        let wheel = std::fs::read_dir(&wheels)
            .map_err(|e| io_error(&wheels, &e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|e| e == "whl"))
            .ok_or_else(|| format!("pip left no wheel of {}", self.requirement()))?;
        let unpacked = work.join("unpacked");
        run(Command::new(python)
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&unpacked))?;
        let file = unpacked.join(member);
        if !file.is_file() {
            return Err(format!("{} holds no {member}", wheel.display()));
        }
        if let Some(companion) = self.companion {
            if !unpacked.join(companion).is_dir() {
                return Err(format!("{} holds no {companion}/", wheel.display()));
            }
        }
        // A zip keeps no Unix modes that Python's `zipfile` restores: the programs are made
        // executable again.
        #[cfg(unix)]
        if let Some(bin) = file.parent().filter(|_| self.companion.is_some()) {
            use std::os::unix::fs::PermissionsExt;
            for entry in std::fs::read_dir(bin).map_err(|e| io_error(bin, &e))? {
                let path = entry.map_err(|e| io_error(bin, &e))?.path();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| io_error(&path, &e))?;
            }
        }
        // The program must run here (a wheel built for another libc would not) and be the one pinned.
        if self.companion.is_some() {
            let version = Command::new(&file).arg("--version").output();
            let stdout = version.as_ref().map(|o| String::from_utf8_lossy(&o.stdout));
            if !stdout.as_ref().is_ok_and(|out| out.contains(self.version)) {
                return Err(format!(
                    "the fetched {} does not run here or is not {}: `{} --version` gave {:?}",
                    self.name,
                    self.version,
                    file.display(),
                    version.map(|o| o.status)
                ));
            }
        }
        let wheel_name = wheel.file_name().unwrap_or_default().to_string_lossy();
        let marker = unpacked.join(MARKER);
        std::fs::write(&marker, format!("{} {wheel_name}\n", self.requirement()))
            .map_err(|e| io_error(&marker, &e))?;
        let dir = self.dir(tools);
        if dir.exists() {
            // Left by an interrupted or older copy (a whole one would have been a cache hit).
            std::fs::remove_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
        }
        if let Err(e) = std::fs::rename(&unpacked, &dir) {
            // Another xtask may have put the same tool in place meanwhile.
            return self
                .cached(tools, std::env::consts::OS)
                .ok_or_else(|| io_error(&dir, &e));
        }
        Ok(dir.join(member))
    }

    fn pip_failure(&self, error: &str) -> String {
        let why = if error.contains("DO NOT MATCH THE HASHES") {
            "the file PyPI served is not the one pinned (SHA-256 mismatch): refusing it"
        } else if error.contains("No module named pip") {
            "this Python has no pip: install it (Debian: apt-get install python3-pip), or name \
             another Python with OUTLINES_PYTHON"
        } else if error.contains("No matching distribution") {
            "PyPI could not be reached (network, proxy, PIP_INDEX_URL?), or it has no wheel of it \
             for this platform"
        } else {
            "pip failed"
        };
        let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
        format!(
            "could not fetch {} from PyPI for {os} {arch}: {why}\n  {error}",
            self.requirement()
        )
    }
}

/// Runs a command; its failure says what ran and the end of what it printed.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("could not run {shown}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(8)..];
    Err(format!(
        "{shown} failed ({}):\n    {}",
        output.status,
        tail.join("\n    ")
    ))
}

fn io_error(path: &Path, error: &std::io::Error) -> String {
    format!("{}: {error}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::TempDir;

    #[test]
    fn the_requirement_accepts_every_pinned_wheel_and_nothing_else() {
        let line = LIBCLANG.requirements_line();
        assert!(
            line.starts_with("libclang==18.1.1 --hash=sha256:"),
            "{line}"
        );
        assert_eq!(
            line.matches("--hash=sha256:").count(),
            LIBCLANG.hashes.len()
        );
        for tool in [&CMAKE, &LIBCLANG] {
            for hash in tool.hashes {
                assert_eq!(hash.len(), 64, "{hash}");
                assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
            }
        }
    }

    #[test]
    fn the_members_follow_the_version() {
        assert!(
            LIBCLANG
                .member
                .iter()
                .all(|m| m.starts_with("libclang-18.1.1.data/"))
        );
        assert!(CMAKE.companion.unwrap().ends_with("cmake-3.31"));
        assert!(CMAKE.version.starts_with("3.31."));
        assert_eq!(CMAKE.member("freebsd"), None);
    }

    #[test]
    fn only_a_marked_unpacked_wheel_is_a_cache_hit() {
        let tmp = TempDir::new("cached");
        let tools = tmp.path();
        let dir = CMAKE.dir(tools);
        let file = dir.join(CMAKE.member("linux").unwrap());
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"cmake").unwrap();
        assert_eq!(CMAKE.cached(tools, "linux"), None);

        std::fs::write(dir.join(MARKER), "cmake==3.31.10 cmake.whl\n").unwrap();
        assert_eq!(CMAKE.cached(tools, "linux"), Some(file.clone()));

        std::fs::write(dir.join(MARKER), "cmake==3.31.6 cmake.whl\n").unwrap();
        assert_eq!(CMAKE.cached(tools, "linux"), None);
    }

    #[test]
    fn pip_failures_say_why() {
        let mismatch = CMAKE.pip_failure("ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM …");
        assert!(mismatch.contains("SHA-256 mismatch"), "{mismatch}");
        assert!(mismatch.contains("cmake==3.31.10"), "{mismatch}");
        let offline = LIBCLANG.pip_failure("ERROR: No matching distribution found for libclang");
        assert!(offline.contains("could not be reached"), "{offline}");
    }

    #[test]
    fn a_failed_command_shows_what_ran_and_how_it_ended() {
        let missing = run(&mut Command::new("xtask-no-such-program")).unwrap_err();
        assert!(missing.contains("could not run"), "{missing}");
        assert!(missing.contains("xtask-no-such-program"), "{missing}");
    }
}
