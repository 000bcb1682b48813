//! Issue 14 on the command line: no input, option or signal crashes the process, damages a file or
//! reports false success.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn upsell() -> Command {
    Command::new(env!("CARGO_BIN_EXE_upsell"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/groceries_sample.csv")
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Runs `upsell` and returns (exit code, stderr), checking it neither panicked nor died on a
/// signal.
fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let output = upsell().args(args).output().expect("the command runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {stderr}"));
    (code, stderr)
}

fn os(text: &str) -> &std::ffi::OsStr {
    text.as_ref()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("lists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_wide_basket_is_a_limit_error_with_the_process_alive() {
    let dir = temp_dir();
    let wide = dir.path().join("wide.dat");
    let line: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    std::fs::write(&wide, format!("1 2\n{}\n", line.join(" "))).expect("written");
    let (code, stderr) = run(&[os("mine"), os("-s"), os("1"), wide.as_os_str()]);
    assert_eq!(code, 1, "{stderr}");
    for part in [
        "limit exceeded",
        "basket 1",
        "100 frequent items",
        "max_len",
    ] {
        assert!(stderr.contains(part), "{part} missing in: {stderr}");
    }
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("1"),
        os("--max-len"),
        os("1"),
        wide.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");

    let sample = sample();
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("2"),
        os("--max-memory"),
        os("4K"),
        sample.as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("passed 4096"), "{stderr}");
    for bad in ["0", "lots", "99999999999T"] {
        let (code, stderr) = run(&[
            os("mine"),
            os("-s"),
            os("2"),
            os("--max-memory"),
            os(bad),
            sample.as_os_str(),
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("is not a size"), "{stderr}");
    }
}

#[test]
fn threads_beyond_the_maximum_are_refused() {
    let sample = sample();
    for command in ["mine", "rules"] {
        let (code, stderr) = run(&[
            os(command),
            os("-s"),
            os("2"),
            os("--threads"),
            os("100000"),
            sample.as_os_str(),
        ]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stderr.contains("maximum of 1024"), "{stderr}");
    }
}

#[test]
fn output_to_a_fifo_is_written_to_it_not_replaced() {
    let dir = temp_dir();
    let fifo = dir.path().join("out.csv");
    if !mkfifo(&fifo) {
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("reads the FIFO"))
    };
    let sample = sample();
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("20"),
        os("-o"),
        fifo.as_os_str(),
        sample.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = reader.join().expect("the reader ends");
    assert!(text.starts_with("itemset,count,support\n"), "{text}");
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(
        !kind.is_file() && !kind.is_symlink(),
        "the FIFO was replaced"
    );
    assert_eq!(names(dir.path()), ["out.csv"]);
}

#[test]
fn output_to_a_device_is_written_to_it_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = temp_dir();
    // Nodes made here, with the numbers of the null and full devices; never /dev itself.
    let (null, full) = (dir.path().join("null.csv"), dir.path().join("full.csv"));
    let made = [(&null, "3"), (&full, "7")].iter().all(|(path, minor)| {
        Command::new("mknod")
            .arg(path)
            .args(["c", "1", minor])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !made {
        eprintln!("skipped: mknod needs privileges");
        return;
    }
    let sample = sample();
    let mine = |out: &Path| {
        run(&[
            os("mine"),
            os("-s"),
            os("20"),
            os("-o"),
            out.as_os_str(),
            sample.as_os_str(),
        ])
    };
    let (code, stderr) = mine(&null);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = mine(&full);
    assert_eq!(code, 1, "a full device must fail: {stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    for node in [&null, &full] {
        let kind = std::fs::metadata(node).expect("still there").file_type();
        assert!(kind.is_char_device(), "{} was replaced", node.display());
    }
    assert_eq!(names(dir.path()), ["full.csv", "null.csv"]);
}

#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = temp_dir();
    let (target, link) = (dir.path().join("real.csv"), dir.path().join("link.csv"));
    std::fs::write(&target, "old").expect("written");
    std::os::unix::fs::symlink("real.csv", &link).expect("a link");
    let sample = sample();
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("20"),
        os("-o"),
        link.as_os_str(),
        sample.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("there")
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&target).expect("reads");
    assert!(text.starts_with("itemset,count,support\n"), "{text}");
    assert_eq!(names(dir.path()), ["link.csv", "real.csv"]);
}

#[test]
fn concurrent_runs_on_one_output_each_leave_a_whole_file() {
    let dir = temp_dir();
    let out = dir.path().join("out.csv");
    let sample = sample();
    let runs: Vec<_> = (0..3)
        .map(|_| {
            upsell()
                .args([os("mine"), os("-s"), os("5"), os("-o"), out.as_os_str()])
                .arg(&sample)
                .stderr(Stdio::null())
                .spawn()
                .expect("starts")
        })
        .collect();
    for mut child in runs {
        assert!(child.wait().expect("ends").success());
    }
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("5"),
        os("-o"),
        dir.path().join("alone.csv").as_os_str(),
        sample.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let alone = std::fs::read(dir.path().join("alone.csv")).expect("reads");
    assert_eq!(std::fs::read(&out).expect("reads"), alone);
    assert_eq!(names(dir.path()), ["alone.csv", "out.csv"]);
}

#[test]
fn a_failed_run_keeps_the_old_output_and_leaves_no_temporary_file() {
    let dir = temp_dir();
    let (out, bad) = (dir.path().join("out.csv"), dir.path().join("bad.dat"));
    std::fs::write(&out, "old").expect("written");
    std::fs::write(&bad, "1 2\n3 x\n").expect("written");
    let (code, stderr) = run(&[
        os("mine"),
        os("-s"),
        os("1"),
        os("-o"),
        out.as_os_str(),
        bad.as_os_str(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).expect("reads"), "old");
    assert_eq!(names(dir.path()), ["bad.dat", "out.csv"]);
}

/// A run blocked on opening a FIFO nobody writes: a signal must end it within the grace period,
/// with its temporary output removed.
#[test]
fn sigterm_and_sigint_end_a_blocked_run_and_remove_its_temporary_file() {
    let dir = temp_dir();
    let input = dir.path().join("input.dat");
    if !mkfifo(&input) {
        return;
    }
    for signal in ["TERM", "INT"] {
        let out = dir.path().join("out.csv");
        let mut child = upsell()
            .args([os("mine"), os("-s"), os("1"), os("-o"), out.as_os_str()])
            .arg(&input)
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        // The destination is opened (a temporary file made) before the input is read.
        let started = Instant::now();
        while names(dir.path()).len() < 2 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no temporary file"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let sent = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = child.wait().expect("ends");
        assert_eq!(status.code(), Some(130), "{signal}");
        assert_eq!(names(dir.path()), ["input.dat"], "{signal}");
    }
}
