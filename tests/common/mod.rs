//! Shared harness: the built binary, a temporary home, and `runcws serve`
//! on an ephemeral loopback port.

#![allow(dead_code)] // each test binary uses a different part

pub mod fake;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Default account of the emulator (documented test credentials).
pub const USER: &str = "63a25f81-15dd-481e-a4d4-c5ed9a80f93a";
pub const PASSWORD: &str = "test-secret-with-payment";
pub const NOPAY_USER: &str = "0b7e2f4c-58a1-4c39-9a55-2f1d7c6e9b10";
pub const NOPAY_PASSWORD: &str = "test-secret-without-payment";

/// How much faster than real time the emulator runs in tests.
pub const SPEED: &str = "40";

/// A temporary home with config, state and data directories.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        home.write("demo/kp.create.json", KP_CREATE);
        home.write("demo/vm.create.json", VM_CREATE);
        home.write("demo/vm.create.image.json", IMAGE_CREATE);
        home
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` at `relative` under the home, creating folders.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A `runcws` command with only this home's settings in its environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_runcws"));
        command.current_dir(self.path()).env_clear();
        command
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("RUNCWS_EMULATOR_SPEED", SPEED)
            .stdin(Stdio::null());
        command
    }
}

/// `runcws serve --memory` on 127.0.0.1:0, stopped when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
}

impl Server {
    /// `serve --memory` at the tests' speed.
    pub fn start(home: &Home) -> Server {
        Server::start_with(home, &["--memory", "--speed", SPEED])
    }

    /// `serve --listen 127.0.0.1:0` with these other flags.
    pub fn start_with(home: &Home, flags: &[&str]) -> Server {
        let mut child = home
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let base_url = first.trim().to_string();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url:?}");
        assert!(base_url.ends_with("/api"), "{base_url:?}");
        Server { child, base_url }
    }

    /// Sends one call to the server (`path` from the host, like
    /// `/_emulator/reset`) and returns the status and the JSON answer.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        auth: (&str, &str),
        body: Option<&str>,
    ) -> (u16, Value) {
        let address = self
            .base_url
            .trim_start_matches("http://")
            .trim_end_matches("/api");
        http_call(address, method, path, Some(auth), body)
    }

    /// Kills the server at once, as `kill -9` would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a failed run: exit `code`, nothing on stdout, and a last
    /// stderr line `runcws: error: …` holding `message`.
    pub fn assert_error(&self, code: i32, message: &str) {
        assert_eq!(self.code, code, "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "", "stdout must stay empty");
        let last = self.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("runcws: error: "), "{}", self.stderr);
        assert!(last.contains(message), "{last:?} lacks {message:?}");
    }

    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// stdout as JSON, asserting the run succeeded.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// The `##### setting current …` lines, as `(name, id)`.
    pub fn settings(&self) -> Vec<(String, String)> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("##### setting current "))
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// A client session against `base_url` (or the embedded default if None).
pub struct Client<'a> {
    pub home: &'a Home,
    pub base_url: Option<String>,
}

impl Client<'_> {
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = self.home.command();
        if let Some(base) = &self.base_url {
            command
                .env("RUNCWS_ENDPOINT", base)
                .env("RUNCWS_USER", USER)
                .env("RUNCWS_PASSWORD", PASSWORD);
        }
        Run::from(command.args(args).output().unwrap())
    }

    /// Runs `getr` (the current request) until it is no longer in progress.
    pub fn wait_request(&self) -> Run {
        self.poll(&["getr"], |v| v[0]["requestStatus"] != "in-progress")
    }

    /// Runs `args` until `done` holds for the JSON answer.
    pub fn poll(&self, args: &[&str], done: impl Fn(&Value) -> bool) -> Run {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let run = self.run(args);
            if done(&run.json()) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "gave up on {args:?}: {}",
                run.stdout
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

pub const KP_CREATE: &str = r#"{
  "resourceUri": "kp/hpcloud/nova/standard",
  "metadata": {
    "name": "KP1",
    "description": "my first key pair"
  }
}
"#;

pub const VM_CREATE: &str = r#"{
  "resourceUri": "vm/hpcloud/nova/standard.small",
  "imageUri": "image/hpcloud/nova/ami-00000075",
  "metadata": {
    "name": "VM-1",
    "description": "my first virtual machine"
  }
}
"#;

pub const IMAGE_CREATE: &str = r#"{
  "metadata": {
    "name": "IMAGE-1",
    "description": "my first image"
  }
}
"#;

/// A minimal HTTP/1.1 call over a fresh connection: the status and the
/// body as JSON (`Null` if it is not JSON).
pub fn http_call(
    address: &str,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&str>,
) -> (u16, Value) {
    http_call_with(address, method, path, auth, body, &[])
}

/// `http_call` with extra header lines (`Name: value`).
pub fn http_call_with(
    address: &str,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&str>,
    headers: &[&str],
) -> (u16, Value) {
    use base64::Engine as _;
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.unwrap_or("");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    for line in headers {
        head.push_str(&format!("{line}\r\n"));
    }
    if let Some((user, password)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        head.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Runs the binary against `base_url` as the account `(user, password)`.
pub fn run_as(home: &Home, base_url: &str, (user, password): (&str, &str), args: &[&str]) -> Run {
    let output = home
        .command()
        .env("RUNCWS_ENDPOINT", base_url)
        .env("RUNCWS_USER", user)
        .env("RUNCWS_PASSWORD", password)
        .args(args)
        .output()
        .unwrap();
    Run::from(output)
}
