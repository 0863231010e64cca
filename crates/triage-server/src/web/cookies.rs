//! Reading and writing the console's cookies: HttpOnly always, SameSite, and Secure when
//! the request came over HTTPS (directly or through a proxy that says so).

use axum::http::HeaderMap;
use axum::http::header;

/// The session cookie's name.
pub const SESSION: &str = "triage_session";
/// The cookie that pairs with the sign-in form's CSRF field (before there is a session).
pub const SIGN_IN_CSRF: &str = "triage_signin";

/// The value of cookie `name`, if the request has it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Whether the browser reached us over HTTPS, as a TLS-terminating proxy reports it.
pub fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value for `name=value`, living `max_age` seconds (0 deletes it).
pub fn set(headers: &HeaderMap, name: &str, value: &str, max_age: i64, same_site: &str) -> String {
    let secure = if over_https(headers) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; triage_session=trs_abc; b=2"),
        );
        assert_eq!(get(&headers, SESSION).as_deref(), Some("trs_abc"));
        assert_eq!(get(&headers, "missing"), None);
    }

    #[test]
    fn secure_only_over_https() {
        let mut headers = HeaderMap::new();
        assert!(!set(&headers, SESSION, "x", 60, "Lax").contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let cookie = set(&headers, SESSION, "x", 60, "Lax");
        assert_eq!(
            cookie,
            "triage_session=x; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
