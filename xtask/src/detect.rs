//! Finding cmake and libclang where llama.cpp's build would find them: cmake where the `cmake`
//! crate looks (`CMAKE`, else `cmake` on `PATH`), libclang where `clang-sys` (under bindgen) looks
//! (`LIBCLANG_PATH`, else `llvm-config`, Xcode, the library path variables and the usual
//! directories). Everything it reads comes through a [`Host`], so tests run it on fake directories.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What detection reads from the machine.
pub(crate) struct Host<'a> {
    /// `linux`, `macos`, `windows`, … (`std::env::consts::OS`).
    pub(crate) os: &'a str,
    /// An environment variable, `None` when unset or empty.
    pub(crate) var: &'a dyn Fn(&str) -> Option<OsString>,
    /// A command's first line of output, `None` when it cannot run or fails.
    pub(crate) output: &'a dyn Fn(&Path, &[&str]) -> Option<String>,
    /// Where the usual directories are looked for: `/` (`C:\` on Windows); a temporary
    /// directory in tests.
    pub(crate) root: &'a Path,
}

/// A tool found on the system.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Named by the user's environment variable (`CMAKE`, `LIBCLANG_PATH`): used as it is.
    Given { var: &'static str, path: PathBuf },
    /// Found where the build would find it by itself.
    System(PathBuf),
}

impl Found {
    pub(crate) fn path(&self) -> &Path {
        match self {
            Found::Given { path, .. } | Found::System(path) => path,
        }
    }
}

/// cmake as the `cmake` crate finds it: `CMAKE`, else `cmake` on `PATH`.
pub(crate) fn cmake(host: &Host<'_>) -> Option<Found> {
    if let Some(path) = (host.var)("CMAKE") {
        return Some(Found::Given {
            var: "CMAKE",
            path: path.into(),
        });
    }
    let name = if host.os == "windows" {
        "cmake.exe"
    } else {
        "cmake"
    };
    let path = (host.var)("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| is_program(file))
        .map(Found::System)
}

/// The version `cmake --version` prints first (`cmake version 3.25.1`), as (major, minor).
pub(crate) fn cmake_version(first_line: &str) -> Option<(u32, u32)> {
    let version = first_line.trim().strip_prefix("cmake version ")?;
    let mut parts = version.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// llama.cpp's `cmake_minimum_required`.
pub(crate) const CMAKE_MINIMUM: (u32, u32) = (3, 14);

/// libclang as `clang-sys` finds it (loaded at run time, as bindgen does by default): the
/// library file. An error when `LIBCLANG_PATH` is set but holds none, since the build would then
/// look nowhere else.
pub(crate) fn libclang(host: &Host<'_>) -> Result<Option<Found>, String> {
    let names = library_names(host.os);
    if let Some(given) = (host.var)("LIBCLANG_PATH") {
        let given = PathBuf::from(given);
        let file = if given.is_file() && names.iter().any(|n| name_matches(n, &given)) {
            is_library(&given).then(|| given.clone())
        } else {
            find_in(&given, &names, host.os)
        };
        return match file {
            Some(path) => Ok(Some(Found::Given {
                var: "LIBCLANG_PATH",
                path,
            })),
            None => Err(format!(
                "LIBCLANG_PATH is {}, which holds no libclang library ({}); bindgen looks only there \
                 when it is set: point it at the folder of libclang, or unset it to let xtask find or fetch one",
                given.display(),
                names.join(", ")
            )),
        };
    }
    Ok(search_dirs(host)
        .iter()
        .find_map(|dir| find_in(dir, &names, host.os))
        .map(Found::System))
}

/// The folders clang-sys searches when `LIBCLANG_PATH` is unset, in its order.
fn search_dirs(host: &Host<'_>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let llvm_config = (host.var)("LLVM_CONFIG_PATH").unwrap_or_else(|| "llvm-config".into());
    if let Some(prefix) = (host.output)(Path::new(&llvm_config), &["--prefix"]) {
        let prefix = PathBuf::from(prefix.trim());
        dirs.extend(["bin", "lib", "lib64"].map(|d| prefix.join(d)));
    }
    if host.os == "macos" {
        if let Some(xcode) = (host.output)(Path::new("xcode-select"), &["--print-path"]) {
            dirs.push(
                PathBuf::from(xcode.trim()).join("Toolchains/XcodeDefault.xctoolchain/usr/lib"),
            );
        }
    }
    for var in ["LD_LIBRARY_PATH", "LIBRARY_PATH"] {
        if let Some(value) = (host.var)(var) {
            dirs.extend(std::env::split_paths(&value));
        }
    }
    for pattern in usual_dirs(host.os) {
        dirs.extend(expand(host.root, pattern));
    }
    dirs
}

/// clang-sys's own list, relative to the root (Visual Studio's bundled LLVM, which needs a
/// recursive search, is left out: set `LIBCLANG_PATH` for it).
fn usual_dirs(os: &str) -> &'static [&'static str] {
    match os {
        "macos" => &[
            "usr/local/opt/llvm*/lib/llvm*/lib",
            "Library/Developer/CommandLineTools/usr/lib",
            "Applications/Xcode.app/Contents/Developer/Toolchains/XcodeDefault.xctoolchain/usr/lib",
            "usr/local/opt/llvm*/lib",
        ],
        "windows" => &[
            "Users/*/scoop/apps/llvm/current/lib",
            "MSYS*/MinGW*/lib",
            "MSYS*/clang*/lib",
            "Program Files*/LLVM/lib",
            "LLVM/lib",
        ],
        _ => &[
            "usr/local/llvm*/lib*",
            "usr/local/lib*/*/*",
            "usr/local/lib*/*",
            "usr/local/lib*",
            "usr/lib*/*/*",
            "usr/lib*/*",
            "usr/lib*",
        ],
    }
}

/// The library's file names, as patterns.
fn library_names(os: &str) -> Vec<&'static str> {
    match os {
        "macos" => vec!["libclang.dylib"],
        "windows" => vec!["libclang.dll", "clang.dll"],
        _ => vec![
            "libclang.so",
            "libclang-*.so",
            "libclang.so.*",
            "libclang-*.so.*",
        ],
    }
}

/// The first valid library in `dir` (and, on Windows, in the `bin` next to a `lib`, where
/// LLVM puts its DLLs), by name.
fn find_in(dir: &Path, names: &[&str], os: &str) -> Option<PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    if os == "windows"
        && dir
            .file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case("lib"))
    {
        dirs.push(dir.with_file_name("bin"));
    }
    dirs.iter().find_map(|dir| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| names.iter().any(|n| name_matches(n, path)))
            .collect();
        files.sort();
        files.into_iter().find(|file| is_library(file))
    })
}

/// Whether `path`'s file name matches `pattern`. As clang-sys, never `libclang-cpp` (LLVM's C++
/// library, which `libclang-*.so.*` would match): bindgen cannot load it, and takes it for no
/// libclang at all.
fn name_matches(pattern: &str, path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| wildcard(pattern, name) && !name.contains("-cpp."))
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters; ASCII case is
/// ignored (as clang-sys does).
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j) = (0, 0);
    // Where the last `*` was, and where in `name` its match ends so far.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i].eq_ignore_ascii_case(&n[j]) {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// The folders a `/`-separated pattern names under `root`, a `*` matching within one name.
pub(crate) fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut found = vec![root.to_path_buf()];
    for part in pattern.split('/') {
        found = if part.contains('*') {
            let mut next: Vec<PathBuf> = found
                .iter()
                .filter_map(|dir| std::fs::read_dir(dir).ok())
                .flatten()
                .filter_map(Result::ok)
                .filter(|entry| {
                    entry
                        .file_name()
                        .to_str()
                        .is_some_and(|n| wildcard(part, n))
                })
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect();
            next.sort();
            next
        } else {
            found
                .iter()
                .map(|dir| dir.join(part))
                .filter(|path| path.is_dir())
                .collect()
        };
    }
    found
}

/// A non-empty file with the execute bit (on Unix).
fn is_program(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    let executable = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0;
    #[cfg(not(unix))]
    let executable = true;
    meta.is_file() && meta.len() > 0 && executable
}

/// A shared library for this target, by its first bytes (ELF of this word size, Mach-O, PE):
/// an empty or foreign file in a searched folder is passed over, as clang-sys does.
fn is_library(path: &Path) -> bool {
    let mut head = [0u8; 5];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    if read.is_err() {
        return false;
    }
    let elf_class = if cfg!(target_pointer_width = "64") {
        2
    } else {
        1
    };
    match head {
        [0x7f, b'E', b'L', b'F', class] => class == elf_class,
        [b'M', b'Z', ..] => true,
        [0xcf, 0xfa, 0xed, 0xfe, _] | [0xce, 0xfa, 0xed, 0xfe, _] | [0xca, 0xfe, 0xba, 0xbe, _] => {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::TempDir;

    fn elf() -> Vec<u8> {
        let class = if cfg!(target_pointer_width = "64") {
            2
        } else {
            1
        };
        vec![0x7f, b'E', b'L', b'F', class, 0, 0, 0]
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn no_output(_: &Path, _: &[&str]) -> Option<String> {
        None
    }

    fn linux<'a>(
        root: &'a Path,
        var: &'a dyn Fn(&str) -> Option<OsString>,
        output: &'a dyn Fn(&Path, &[&str]) -> Option<String>,
    ) -> Host<'a> {
        Host {
            os: "linux",
            var,
            output,
            root,
        }
    }

    #[test]
    fn wildcards_match_within_a_name() {
        assert!(wildcard("libclang-*.so.*", "libclang-18.so.18.1"));
        assert!(wildcard("libclang.so", "LIBCLANG.SO"));
        assert!(wildcard("lib*", "lib"));
        assert!(wildcard("usr*", "usr"));
        assert!(wildcard("*a*b", "xxaxxab"));
        assert!(!wildcard("libclang-*.so", "libclang-18.so.1"));
        assert!(!wildcard("libclang.so", "libclang.so.1"));
        assert!(!wildcard("llvm*", "lib"));
    }

    #[test]
    fn cmake_is_the_variable_else_the_first_program_on_path() {
        let tmp = TempDir::new("cmake");
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write(&a.join("cmake"), b""); // empty: not a program
        write(&b.join("cmake"), b"#!/bin/sh\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(0o755);
            std::fs::set_permissions(b.join("cmake"), mode).unwrap();
        }
        let path = std::env::join_paths([&a, &b]).unwrap();
        let var = |name: &str| (name == "PATH").then(|| path.clone());
        let host = linux(tmp.path(), &var, &no_output);
        assert_eq!(cmake(&host), Some(Found::System(b.join("cmake"))));

        let given = |name: &str| (name == "CMAKE").then(|| OsString::from("/opt/cmake"));
        let host = linux(tmp.path(), &given, &no_output);
        assert_eq!(
            cmake(&host),
            Some(Found::Given {
                var: "CMAKE",
                path: "/opt/cmake".into()
            })
        );

        let only_a = |name: &str| (name == "PATH").then(|| a.clone().into_os_string());
        assert_eq!(cmake(&linux(tmp.path(), &only_a, &no_output)), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_cmake_without_the_execute_bit_is_not_used() {
        let tmp = TempDir::new("cmake-mode");
        write(&tmp.path().join("cmake"), b"#!/bin/sh\n");
        let path = tmp.path().as_os_str().to_owned();
        let var = |name: &str| (name == "PATH").then(|| path.clone());
        assert_eq!(cmake(&linux(tmp.path(), &var, &no_output)), None);
    }

    #[test]
    fn cmake_versions_are_read_from_the_first_line() {
        assert_eq!(cmake_version("cmake version 3.25.1"), Some((3, 25)));
        assert_eq!(cmake_version("cmake version 4.0.0-rc1\n"), Some((4, 0)));
        assert_eq!(cmake_version("cmake3 version 3.1"), None);
        assert!(cmake_version("cmake version 3.13.4").unwrap() < CMAKE_MINIMUM);
    }

    #[test]
    fn libclang_is_found_in_the_usual_folders_and_empty_files_are_passed_over() {
        let tmp = TempDir::new("libclang");
        let none = |_: &str| None;
        let host = linux(tmp.path(), &none, &no_output);
        assert_eq!(libclang(&host), Ok(None));

        // What hiding a library with `mount --bind /dev/null` leaves: the name, no content.
        write(
            &tmp.path().join("usr/lib/x86_64-linux-gnu/libclang-14.so.1"),
            b"",
        );
        assert_eq!(libclang(&host), Ok(None));

        // LLVM's C++ library is not libclang (clang-sys passes it over too).
        write(
            &tmp.path().join("usr/lib/llvm-14/lib/libclang-cpp.so.14"),
            &elf(),
        );
        assert_eq!(libclang(&host), Ok(None));
        let lib = tmp.path().join("usr/lib/llvm-18/lib/libclang-18.so.1");
        write(&lib, &elf());
        assert_eq!(libclang(&host), Ok(Some(Found::System(lib))));
    }

    #[test]
    fn llvm_config_is_asked_first() {
        let tmp = TempDir::new("llvm-config");
        write(&tmp.path().join("usr/lib/libclang.so"), &elf());
        let prefix = tmp.path().join("opt/llvm");
        let lib = prefix.join("lib/libclang.so");
        write(&lib, &elf());
        let none = |_: &str| None;
        let output = |program: &Path, args: &[&str]| {
            (program == Path::new("llvm-config") && args == ["--prefix"])
                .then(|| format!("{}\n", prefix.display()))
        };
        let host = linux(tmp.path(), &none, &output);
        assert_eq!(libclang(&host), Ok(Some(Found::System(lib))));
    }

    #[test]
    fn libclang_path_is_used_alone_and_must_hold_the_library() {
        let tmp = TempDir::new("libclang-path");
        write(&tmp.path().join("usr/lib/libclang.so"), &elf());
        let given = tmp.path().join("wheel/clang/native");
        std::fs::create_dir_all(&given).unwrap();
        let var = |name: &str| (name == "LIBCLANG_PATH").then(|| given.clone().into_os_string());
        let host = linux(tmp.path(), &var, &no_output);
        let err = libclang(&host).unwrap_err();
        assert!(err.contains("holds no libclang"), "{err}");

        write(&given.join("libclang.so"), &elf());
        let found = libclang(&host).unwrap().unwrap();
        assert_eq!(found.path(), given.join("libclang.so"));
        assert!(matches!(
            found,
            Found::Given {
                var: "LIBCLANG_PATH",
                ..
            }
        ));
    }

    #[test]
    fn on_windows_the_dll_is_found_in_the_bin_next_to_lib() {
        let tmp = TempDir::new("windows");
        std::fs::create_dir_all(tmp.path().join("Program Files/LLVM/lib")).unwrap();
        let dll = tmp.path().join("Program Files/LLVM/bin/libclang.dll");
        write(&dll, b"MZ\x90\0\x03");
        let none = |_: &str| None;
        let host = Host {
            os: "windows",
            var: &none,
            output: &no_output,
            root: tmp.path(),
        };
        assert_eq!(libclang(&host), Ok(Some(Found::System(dll))));
    }
}
