//! How notifications leave this server: the address people follow back to it (the
//! incident's page and the acknowledge link in every page), and the SMTP server e-mail
//! goes through. Set once at start-up (`triage serve --public-url --smtp-url
//! --mail-from`).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use triage_store::Attempt;

/// How long an SMTP server may take over one message.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
pub struct Outbound {
    /// Where people reach this server, e.g. `https://triage.example.com`; links in
    /// notifications start with it. None: notifications carry no links.
    pub public_url: Option<String>,
    /// Where e-mail goes; none: e-mail contact methods cannot be delivered (each attempt
    /// says so on the incident's timeline).
    pub mail: Option<Mail>,
}

impl Outbound {
    /// The address this server is reached at, without a trailing `/`: the public URL
    /// when one is set, else what the request's `Host` header says.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let host = headers
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("localhost");
                format!("http://{host}")
            }
        }
    }
}

/// An SMTP relay and the sender address mail comes from. Each e-mail goes over a
/// connection of its own: pages are few, and a kept connection would only go stale.
pub struct Mail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// One e-mail to send.
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
    /// Stable per notification, so a retry after a crash is recognisably the same mail.
    pub message_id: String,
    /// A one-click unsubscribe link (RFC 8058), for mail to subscribers.
    pub unsubscribe: Option<String>,
}

/// `List-Unsubscribe: <https://…>` (RFC 2369): mail clients offer an unsubscribe button.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(text.trim_matches(['<', '>']).to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the button posts to the
/// link and is done, no page to visit.
#[derive(Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClick)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

impl Mail {
    /// A relay from a URL such as `smtp://mail.example.com:587?tls=required`,
    /// `smtps://user:password@mail.example.com` or `smtp://127.0.0.1:2525` (plain), and
    /// a sender such as `Triage <triage@example.com>`.
    pub fn new(url: &str, from: &str) -> Result<Mail, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| {
                format!(
                    "the SMTP URL is not usable ({e}): write it like smtp://host:25, \
                     smtp://user:password@host:587?tls=required or smtps://host:465"
                )
            })?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from.parse().map_err(|e| {
            format!("the sender '{from}' is not an address ({e}): write it like Triage <triage@example.com>")
        })?;
        Ok(Mail { transport, from })
    }

    /// Sends `email` once; answers how it went.
    pub async fn send(&self, email: Email<'_>) -> Attempt {
        let to: Mailbox = match email.to.parse() {
            Ok(to) => to,
            Err(e) => return Attempt::Failed(format!("'{}' is not an address: {e}", email.to)),
        };
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(email.message_id))
            .header(ContentType::TEXT_PLAIN);
        if let Some(link) = email.unsubscribe {
            message = message.header(ListUnsubscribe(link)).header(OneClick);
        }
        let message = message.body(email.body);
        let message = match message {
            Ok(message) => message,
            Err(e) => return Attempt::Failed(format!("the e-mail could not be built: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Attempt::Delivered,
            Err(e) => Attempt::Failed(format!("the SMTP server did not take the e-mail: {e}")),
        }
    }
}
