//! The HTTP layer: parses, authenticates, calls the engine, encodes.
//!
//! The API lives under `/api`; the control API under `/_emulator`. Every
//! answer that is not 2xx carries `{"error": {"code", "message"}}`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, Path, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use super::accounts::Account;
use super::control;
use super::engine::{Answer, ApiError, ApiResult, Engine};
use super::record::{record_call, Recorder};

/// A call taking longer than this (a body trickling in) answers 408.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Bodies above this size answer 413.
pub const BODY_LIMIT: usize = 64 * 1024;

type Shared = Arc<Engine>;
type Params = Query<HashMap<String, String>>;

/// The name of the account a call was made as, for the request log.
#[derive(Clone)]
struct Caller(String);

/// The emulator's router; with a recorder, every call is also recorded.
pub fn router(engine: Shared, recorder: Option<Recorder>) -> Router {
    let api = Router::new()
        .route("/resource", get(resource_list))
        .route("/resource/{*uri}", axum::routing::post(resource_create))
        .route("/request", get(request_list))
        .route("/request/{id}", get(request_get))
        .route("/instance", get(instance_list))
        .route(
            "/instance/{id}",
            get(instance_get)
                .delete(instance_delete)
                .post(instance_action),
        )
        .route("/openapi.json", get(openapi));
    let mut app = Router::new()
        .nest("/api", api)
        .nest("/_emulator", control::router())
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(engine);
    if let Some(recorder) = recorder {
        app = app.layer(middleware::from_fn_with_state(recorder, record_call));
    }
    app.layer(middleware::from_fn(log_call))
}

async fn log_call(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let response = match tokio::time::timeout(CALL_TIMEOUT, next.run(request)).await {
        Ok(response) => as_json_error(response).await,
        Err(_) => error_response(&ApiError::new(
            408,
            "RequestTimeout",
            format!(
                "the call took over {} s (a body sent too slowly?)",
                CALL_TIMEOUT.as_secs()
            ),
        )),
    };
    let caller = response
        .extensions()
        .get::<Caller>()
        .map_or("-", |c| c.0.as_str())
        .to_owned();
    tracing::info!(
        target: "runcws::emulator",
        "{method} {target} {} {:.1}ms {caller}",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Gives the error answers axum makes itself (rejected paths, queries,
/// oversized bodies) the API's JSON error body.
async fn as_json_error(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!("bodies are limited to {BODY_LIMIT} bytes"),
        _ => String::from_utf8_lossy(&text).chars().take(200).collect(),
    };
    let code = match status.as_u16() {
        400 => "BadRequest",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        _ if status.is_server_error() => "InternalError",
        _ => "ClientError",
    };
    let mut fixed = error_response(&ApiError::new(parts.status.as_u16(), code, message));
    if let Some(caller) = parts.extensions.get::<Caller>() {
        fixed.extensions_mut().insert(caller.clone());
    }
    fixed
}

/// Encodes an engine result, waiting first if a fault asked for latency.
pub(crate) async fn respond(result: ApiResult, caller: Option<&Account>) -> Response {
    let mut response = match result {
        Ok(answer) => {
            if answer.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
            }
            json_response(answer)
        }
        Err(error) => error_response(&error),
    };
    if let Some(account) = caller {
        response
            .extensions_mut()
            .insert(Caller(account.user.clone()));
    }
    response
}

fn json_response(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        answer.body,
    )
        .into_response()
}

/// The error body every non-2xx answer carries.
pub(crate) fn error_response(error: &ApiError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "error": { "code": error.code, "message": error.message } }).to_string();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if error.status == 401 {
        let challenge = header::HeaderValue::from_static("Basic realm=\"cws\"");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// The account of a call's basic-auth credentials. A failure never says
/// which part was wrong.
pub(crate) fn authenticate<'a>(
    engine: &'a Engine,
    headers: &HeaderMap,
) -> Result<&'a Account, ApiError> {
    let denied = || ApiError::new(401, "Unauthorized", "missing or wrong credentials");
    let value = headers.get(header::AUTHORIZATION).ok_or_else(denied)?;
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .ok_or_else(denied)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| denied())?;
    let text = String::from_utf8(decoded).map_err(|_| denied())?;
    let (user, password) = text.split_once(':').ok_or_else(denied)?;
    engine
        .accounts
        .authenticate(user, password)
        .ok_or_else(denied)
}

/// Runs `call` as the authenticated account and encodes its answer.
async fn as_account(
    engine: &Engine,
    headers: &HeaderMap,
    call: impl FnOnce(&Account) -> ApiResult,
) -> Response {
    match authenticate(engine, headers) {
        Ok(account) => respond(call(account), Some(account)).await,
        Err(error) => respond(Err(error), None).await,
    }
}

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if is_visible_ascii(key) && key.len() <= 255 => Ok(Some(key)),
        _ => Err(ApiError::bad_request(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        )),
    }
}

fn is_visible_ascii(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
}

/// Refuses query parameters the endpoint does not know, so a typo like
/// `refesh=true` is an error instead of a silent plain read.
fn known_query(query: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match query.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(unknown) => Err(ApiError::bad_request(format!(
            "unknown query parameter {unknown:?}; this endpoint takes {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))),
    }
}

/// A boolean query flag: absent or `false` is false, `true` is true,
/// anything else a 400.
fn flag(query: &HashMap<String, String>, key: &str) -> Result<bool, ApiError> {
    match query.get(key).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "query parameter {key} must be true or false, not {other:?}"
        ))),
    }
}

async fn resource_list(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_account(&engine, &headers, |_| {
        Ok(Answer {
            status: 200,
            body: engine.catalog_json(),
            delay_ms: 0,
        })
    })
    .await
}

async fn resource_create(
    State(engine): State<Shared>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(query): Params,
    body: Bytes,
) -> Response {
    let account = match authenticate(&engine, &headers) {
        Ok(account) => account.clone(),
        Err(error) => return respond(Err(error), None).await,
    };
    if let Err(error) = known_query(&query, &[]) {
        return respond(Err(error), Some(&account)).await;
    }
    // A key pair may wait for its key: off the async workers, so other
    // calls never stall behind key generation.
    let caller = account.clone();
    let result = tokio::task::spawn_blocking(move || {
        // The raw path, so encoded slashes and dots are refused, not decoded.
        let raw = uri
            .path()
            .strip_prefix("/api/resource/")
            .unwrap_or_default();
        let body = parse_body(&body)?;
        let key = idempotency_key(&headers)?;
        engine.create_resource(&caller, raw, body, key)
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::from(anyhow::anyhow!("a create task failed: {e}"))));
    respond(result, Some(&account)).await
}

async fn request_list(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    as_account(&engine, &headers, |account| {
        known_query(&query, &["cleanup"])?;
        engine.list_requests(account, flag(&query, "cleanup")?)
    })
    .await
}

async fn request_get(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    as_account(&engine, &headers, |account| {
        engine.get_request(account, &id)
    })
    .await
}

async fn instance_list(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    as_account(&engine, &headers, |account| {
        known_query(&query, &["cleanup"])?;
        engine.list_instances(account, flag(&query, "cleanup")?)
    })
    .await
}

async fn instance_get(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Params,
) -> Response {
    as_account(&engine, &headers, |account| {
        known_query(&query, &["refresh"])?;
        if flag(&query, "refresh")? {
            engine.refresh_instance(account, &id)
        } else {
            engine.get_instance(account, &id)
        }
    })
    .await
}

async fn instance_delete(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    as_account(&engine, &headers, |account| {
        engine.delete_instance(account, &id)
    })
    .await
}

async fn instance_action(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Params,
    body: Bytes,
) -> Response {
    as_account(&engine, &headers, |account| {
        known_query(&query, &["action"])?;
        match query.get("action").map(String::as_str) {
            Some("image") => {}
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "unknown action {other}; the one action is image"
                )))
            }
            None => {
                return Err(ApiError::bad_request(
                    "POST /instance/{id} needs ?action=image",
                ))
            }
        }
        let body = parse_body(&body)?;
        let key = idempotency_key(&headers)?;
        engine.create_image(account, &id, body, key)
    })
    .await
}

/// The OpenAPI document of the emulated API.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn wrong_method(method: Method, uri: Uri) -> Response {
    let error = ApiError::new(
        405,
        "MethodNotAllowed",
        format!("{method} is not allowed on {}", uri.path()),
    );
    error_response(&error)
}

async fn unknown_path(method: Method, uri: Uri) -> Response {
    let error = ApiError::new(
        404,
        "NotFound",
        format!("no such endpoint: {method} {}", uri.path()),
    );
    error_response(&error)
}

/// The user named by a basic-auth header value, without its password.
pub(crate) fn basic_user(value: &str) -> Option<String> {
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(text.split_once(':')?.0.to_owned())
}
