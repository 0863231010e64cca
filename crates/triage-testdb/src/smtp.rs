//! A real SMTP sink on a loopback port: speaks enough of RFC 5321 for a mail client
//! (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and
//! records every message it accepts. Plain text only: tests point the server at it with
//! `smtp://127.0.0.1:<port>`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::inbox::Inbox;

/// One message as accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA: headers, a blank line, the body (CRLF lines).
    pub data: String,
}

impl Mail {
    /// A header's value, unfolded; names compare case-insensitively.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    /// The body, decoded when it is quoted-printable.
    pub fn body(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        let quoted = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if quoted {
            decode_quoted_printable(body)
        } else {
            body.to_string()
        }
    }
}

/// RFC 2045's quoted-printable: `=` at a line's end joins it to the next, `=XX` is a
/// byte.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = std::str::from_utf8(bytes.get(i + 1..i + 3).unwrap_or_default())
            .ok()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], byte) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (other, _) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct SmtpSink {
    /// `smtp://127.0.0.1:<port>`, as `triage serve --smtp-url` takes it.
    pub url: String,
    mails: Arc<Inbox<Mail>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let mails = Arc::new(Inbox::default());
        let mine = mails.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mails = mine.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &mails);
                });
            }
        });
        SmtpSink { url, mails }
    }

    /// Waits (at most 20 s) until `count` messages have come; answers them all.
    pub fn wait_for(&self, count: usize) -> Vec<Mail> {
        self.mails
            .wait_at_most(count, Duration::from_secs(20), "e-mails")
    }

    /// The messages accepted so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.all()
    }
}

/// The address in `MAIL FROM:<a@b> SIZE=1`.
fn path(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..]
        .find('>')
        .map_or(argument.len(), |i| start + i);
    argument[start..end].to_string()
}

fn serve(stream: TcpStream, mails: &Inbox<Mail>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = &stream;
    let mut reply = |text: &str| -> std::io::Result<()> {
        writer.write_all(text.as_bytes())?;
        writer.write_all(b"\r\n")?;
        writer.flush()
    };
    reply("220 sink.test ESMTP test sink")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        let verb = line.get(..4).unwrap_or(line).to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => reply("250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8")?,
            "HELO" => reply("250 sink.test")?,
            "MAIL" => {
                from = path(&line[4..]);
                to.clear();
                reply("250 OK")?;
            }
            "RCPT" => {
                to.push(path(&line[4..]));
                reply("250 OK")?;
            }
            "DATA" if from.is_empty() || to.is_empty() => reply("503 MAIL and RCPT first")?,
            "DATA" => {
                reply("354 end with <CRLF>.<CRLF>")?;
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mails.push(Mail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                reply("250 OK queued")?;
            }
            "RSET" => {
                from.clear();
                to.clear();
                reply("250 OK")?;
            }
            "NOOP" => reply("250 OK")?,
            "QUIT" => {
                reply("221 bye")?;
                return Ok(());
            }
            _ => reply("502 command not implemented")?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_is_read_back() {
        assert_eq!(
            decode_quoted_printable("a=3Db and a long=\r\n line=C3=A9\r\n"),
            "a=b and a long line\u{e9}\r\n"
        );
    }
}
