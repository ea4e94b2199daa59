//! Local network peers for tests, on loopback ports, with std threads only: an HTTP receiver
//! that records requests and answers as scripted (a status, a JSON body, a slow answer, or
//! none), and an
//! SMTP server that speaks enough of RFC 5321 for a real client (EHLO, MAIL, RCPT, DATA, QUIT)
//! and records each message.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// At once, with this status.
    Status(u16),
    /// After this long, with this status.
    Slow(Duration, u16),
    /// Never: the connection is held open (a hung receiver), then closed after a minute.
    Hang,
    /// At once, with this status and a JSON body.
    Json(u16, String),
}

/// One request received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line's path.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on a loopback port.
#[derive(Clone)]
pub struct HttpReceiver {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    default: Reply,
}

fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        path,
        headers,
        body,
        at: Instant::now(),
    })
}

impl HttpReceiver {
    /// Starts a receiver answering `default` unless a scripted reply is queued.
    pub fn start(default: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let me = Self {
            url,
            received: Arc::default(),
            script: Arc::default(),
            default,
        };
        let this = me.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let this = this.clone();
                std::thread::spawn(move || {
                    let Some(req) = read_request(&mut stream) else {
                        return;
                    };
                    this.received.lock().expect("requests").push(req);
                    let reply = this
                        .script
                        .lock()
                        .expect("script")
                        .pop_front()
                        .unwrap_or_else(|| this.default.clone());
                    let mut body = String::new();
                    let status = match reply {
                        Reply::Status(s) => s,
                        Reply::Json(s, b) => {
                            body = b;
                            s
                        }
                        Reply::Slow(wait, s) => {
                            std::thread::sleep(wait);
                            s
                        }
                        Reply::Hang => {
                            std::thread::sleep(Duration::from_secs(60));
                            return;
                        }
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        me
    }

    /// Queues replies for the next requests.
    pub fn script(&self, replies: &[Reply]) {
        self.script
            .lock()
            .expect("script")
            .extend(replies.iter().cloned());
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("requests").clone()
    }

    /// Waits up to `timeout` until `n` requests arrived; answers those received.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let until = Instant::now() + timeout;
        loop {
            let got = self.requests();
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub data: String,
}

/// An SMTP server on a loopback port.
#[derive(Clone)]
pub struct SmtpServer {
    /// Its port.
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

fn angle(arg: &str) -> String {
    let a = arg.split_once(':').map(|(_, a)| a).unwrap_or(arg).trim();
    a.trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn converse(stream: TcpStream, mails: &Mutex<Vec<Mail>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    out.write_all(b"220 localhost ESMTP test\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => out.write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?,
            "HELO" => out.write_all(b"250 localhost\r\n")?,
            "MAIL" => {
                from = angle(&cmd);
                to.clear();
                out.write_all(b"250 OK\r\n")?;
            }
            "RCPT" => {
                to.push(angle(&cmd));
                out.write_all(b"250 OK\r\n")?;
            }
            "DATA" => {
                out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l)? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                mails.lock().expect("mails").push(Mail {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                out.write_all(b"250 OK queued\r\n")?;
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            "RSET" | "NOOP" => out.write_all(b"250 OK\r\n")?,
            // RFC 5321 reply 502: a command this server does not know (a real reply, not a gap)
            _ => out.write_all(b"502 command not recognised\r\n")?,
        }
    }
}

impl SmtpServer {
    /// Starts a server.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let me = Self {
            port,
            mails: Arc::default(),
        };
        let mails = me.mails.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mails = mails.clone();
                std::thread::spawn(move || {
                    let _ = converse(stream, &mails);
                });
            }
        });
        me
    }

    /// Waits up to `timeout` until `n` messages arrived; answers those received.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Mail> {
        let until = Instant::now() + timeout;
        loop {
            let got = self.mails.lock().expect("mails").clone();
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
