//! Tiny purpose-built HTTP servers on 127.0.0.1 for fault tests: each
//! answers every request as its handler says (an answer, a hang, a
//! dropped connection) and keeps the requests it saw.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a fake server does with one request.
pub enum Reply {
    /// Sends these bytes (a whole HTTP response) and closes.
    Raw(String),
    /// Reads the request and never answers.
    Hang,
    /// Reads the request and closes the connection without a word.
    Drop,
}

/// A fake server on an ephemeral loopback port, serving until the test ends.
pub struct Fake {
    pub port: u16,
    pub base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

type Handler = dyn Fn(usize, &str) -> Reply + Send + Sync;

impl Fake {
    /// Serves with `handler(n, request)`, `n` counting requests from 0.
    pub fn start(handler: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                let handler = Arc::clone(&handler);
                std::thread::spawn(move || serve(stream, &seen, &*handler));
            }
        });
        Fake {
            port,
            base_url: format!("http://127.0.0.1:{port}/api"),
            requests,
        }
    }

    /// Answers every request with `response`.
    pub fn always(response: String) -> Fake {
        Fake::start(move |_, _| Reply::Raw(response.clone()))
    }

    /// The requests seen so far, as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>, handler: &Handler) {
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let n = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.len() - 1
    };
    match handler(n, &request) {
        Reply::Raw(response) => {
            let _ = stream.write_all(response.as_bytes());
            let _ = stream.flush();
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(3600)),
        Reply::Drop => {}
    }
}

/// Reads one request: the head and as much body as it announces.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if body.len() >= length {
            return Some(text.into_owned());
        }
    }
}

/// A whole HTTP response with `body`, closing the connection.
pub fn response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    text
}

/// A JSON response.
pub fn json(status: &str, body: &str) -> String {
    response(status, &[("content-type", "application/json")], body)
}

/// The value of header `name` in a request's text, if present.
pub fn header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    let head = request.split("\r\n\r\n").next()?;
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}
