//! `--cacert`: a private CA's server is trusted with it and refused
//! without it. The server is `openssl s_server` on 127.0.0.1, with a CA and
//! a certificate for 127.0.0.1 made by `openssl` for this test.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Home, Run, PASSWORD, USER};

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed for the TLS test (.ci/run installs it)");
    assert!(status.success(), "openssl {args:?}");
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1 it signed.
fn make_certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=runcws test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

/// `openssl s_server` answering every request with its HTML status page.
struct TlsServer {
    child: Child,
    port: u16,
}

impl TlsServer {
    fn start(dir: &Path) -> TlsServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let accept = format!("127.0.0.1:{port}");
        let child = Command::new("openssl")
            .current_dir(dir)
            .args([
                "s_server",
                "-accept",
                &accept,
                "-cert",
                "server.pem",
                "-key",
                "server.key",
            ])
            .args(["-www", "-quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(&accept).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsServer { child, port }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn geti(home: &Home, port: u16, extra: &[&str]) -> Run {
    let output = home
        .command()
        .env("RUNCWS_ENDPOINT", format!("https://127.0.0.1:{port}/api"))
        .env("RUNCWS_USER", USER)
        .env("RUNCWS_PASSWORD", PASSWORD)
        .args(extra)
        .args(["geti", "some-id"])
        .output()
        .unwrap();
    Run::from(output)
}

#[test]
fn a_private_ca_is_trusted_with_cacert_and_only_then() {
    let home = Home::new();
    make_certificates(home.path());
    let server = TlsServer::start(home.path());

    // Without the CA the handshake fails on the certificate.
    let refused = geti(&home, server.port, &[]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.to_lowercase().contains("certificate"),
        "{}",
        refused.stderr
    );

    // With it the handshake succeeds: the answer is s_server's HTML page,
    // which runcws reports as not being the API's JSON.
    let ca = home.path().join("ca.pem");
    let trusted = geti(&home, server.port, &["--cacert", ca.to_str().unwrap()]);
    assert!(
        !trusted.stderr.to_lowercase().contains("certificate"),
        "{}",
        trusted.stderr
    );
    assert!(trusted.stderr.contains("text/html"), "{}", trusted.stderr);
}
