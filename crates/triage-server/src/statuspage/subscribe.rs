//! Subscribing to the status page, no sign-in: an address entered on the page (for all
//! components or those ticked) is mailed a confirmation link; following it shows a
//! button that confirms (a mail scanner fetching the link confirms nothing); every update
//! mail's unsubscribe link shows a button too, and a POST to it — the button, or a mail
//! client's one-click unsubscribe (RFC 8058) — ends the subscription at once.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use triage_store::{NewSubscriber, StatusPageSettings, StoreError, Subscriber};

use super::html::Frame;
use crate::AppState;
use crate::error::ApiResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/status/subscribe", get(form).post(subscribe))
        .route(
            "/status/subscriptions/{token}/confirm",
            get(confirm_page).post(confirm),
        )
        .route(
            "/status/subscriptions/{token}/unsubscribe",
            get(unsubscribe_page).post(unsubscribe),
        )
}

#[derive(Template)]
#[template(path = "status_subscribe.html")]
struct SubscribePage<'a> {
    frame: Frame<'a>,
    error: Option<String>,
    email: &'a str,
    /// Each component's name, and whether it is ticked.
    components: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "status_message.html")]
struct MessagePage<'a> {
    frame: Frame<'a>,
    title: &'a str,
    text: String,
    /// A form posting to the first with the second as its button.
    button: Option<(String, &'a str)>,
}

/// What a page needs around it: the branding and the address it is reached at.
async fn frame_parts(
    state: &AppState,
    headers: &HeaderMap,
) -> ApiResult<(StatusPageSettings, String)> {
    let (settings, _) = state.store.status_page_settings().await?;
    Ok((settings, state.outbound.base_url(headers)))
}

async fn render_form(
    state: &AppState,
    headers: &HeaderMap,
    email: &str,
    ticked: &[String],
    error: Option<String>,
) -> ApiResult<String> {
    let (settings, url) = frame_parts(state, headers).await?;
    let components = state
        .store
        .components(state.now())
        .await?
        .into_iter()
        .map(|c| {
            let on = ticked.iter().any(|t| t.eq_ignore_ascii_case(&c.name));
            (c.name, on)
        })
        .collect();
    let page = SubscribePage {
        frame: Frame::new(&settings, &url),
        error,
        email,
        components,
    };
    Ok(page.render()?)
}

async fn form(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Html<String>> {
    Ok(Html(render_form(&state, &headers, "", &[], None).await?))
}

async fn message(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    text: String,
    button: Option<(String, &str)>,
) -> ApiResult<Response> {
    let (settings, url) = frame_parts(state, headers).await?;
    let page = MessagePage {
        frame: Frame::new(&settings, &url),
        title,
        text,
        button,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `email=…&component=…&component=…`: a form's fields, a name may repeat.
fn fields(body: &[u8]) -> (String, Vec<String>) {
    let mut email = String::new();
    let mut components = Vec::new();
    for (name, value) in form_urlencoded::parse(body) {
        match name.as_ref() {
            "email" => email = value.into_owned(),
            "component" => components.push(value.into_owned()),
            _ => {}
        }
    }
    (email, components)
}

async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (email, components) = fields(&body);
    let new = NewSubscriber {
        kind: "email".to_string(),
        address: email.clone(),
        components: components.clone(),
        confirmed: false,
    };
    match state.store.subscribe(new, state.now()).await {
        Ok(subscriber) => {
            let text = format!(
                "If {} is not subscribed yet, a mail with a link to confirm is on its way. \
                 Nothing is sent until you follow it.",
                subscriber.address
            );
            message(
                &state,
                &headers,
                StatusCode::OK,
                "Check your inbox",
                text,
                None,
            )
            .await
        }
        Err(StoreError::Invalid(error)) => {
            let page = render_form(&state, &headers, &email, &components, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// A link that matches no subscription: a page saying so, not API JSON.
async fn not_valid(
    state: &AppState,
    headers: &HeaderMap,
    error: StoreError,
) -> ApiResult<Response> {
    match error {
        StoreError::NotFound(text) => {
            message(
                state,
                headers,
                StatusCode::NOT_FOUND,
                "Link not valid",
                text,
                None,
            )
            .await
        }
        other => Err(other.into()),
    }
}

fn scope(subscriber: &Subscriber) -> String {
    if subscriber.components.is_empty() {
        "every component".to_string()
    } else {
        subscriber.components.join(", ")
    }
}

async fn confirm_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let subscriber = match state.store.subscription(&token).await {
        Ok(subscriber) => subscriber,
        Err(error) => return not_valid(&state, &headers, error).await,
    };
    if subscriber.confirmed {
        let text = format!(
            "{} already gets updates on {}.",
            subscriber.address,
            scope(&subscriber)
        );
        return message(&state, &headers, StatusCode::OK, "Subscribed", text, None).await;
    }
    let text = format!(
        "Send updates on {} to {}?",
        scope(&subscriber),
        subscriber.address
    );
    let action = format!(
        "{}/status/subscriptions/{token}/confirm",
        state.outbound.base_url(&headers)
    );
    message(
        &state,
        &headers,
        StatusCode::OK,
        "Confirm your subscription",
        text,
        Some((action, "Yes, send me updates")),
    )
    .await
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    match state.store.confirm_subscription(&token, state.now()).await {
        Ok(subscriber) => {
            let text = format!(
                "{} will get updates on {}. Every mail has a link to unsubscribe.",
                subscriber.address,
                scope(&subscriber)
            );
            message(&state, &headers, StatusCode::OK, "Subscribed", text, None).await
        }
        Err(error) => not_valid(&state, &headers, error).await,
    }
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let subscriber = match state.store.subscription(&token).await {
        Ok(subscriber) => subscriber,
        Err(error) => return not_valid(&state, &headers, error).await,
    };
    let text = format!("Stop sending updates to {}?", subscriber.address);
    let action = format!(
        "{}/status/subscriptions/{token}/unsubscribe",
        state.outbound.base_url(&headers)
    );
    message(
        &state,
        &headers,
        StatusCode::OK,
        "Unsubscribe",
        text,
        Some((action, "Unsubscribe")),
    )
    .await
}

async fn unsubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    match state.store.unsubscribe(&token).await {
        Ok(subscriber) => {
            let text = format!("{} will get no more updates.", subscriber.address);
            message(&state, &headers, StatusCode::OK, "Unsubscribed", text, None).await
        }
        Err(error) => not_valid(&state, &headers, error).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_may_repeat_a_field() {
        let (email, components) =
            fields(b"email=ann%40example.com&component=API&component=Web+app&x=1");
        assert_eq!(email, "ann@example.com");
        assert_eq!(components, ["API", "Web app"]);
    }
}
