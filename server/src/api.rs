//! The JSON API under `/api/v1`, for messaging channels and scripts: contacts,
//! incoming conversations and messages, segments. A caller shows a workspace's
//! API token (`Authorization: Bearer ct_…`); cookies play no part, so the
//! browser's gate does not apply and no other site can ride on a session.
//!
//! Errors are `{"error": {"code", "message", "field"}}` with a stable `code`.
//! Lists take the page's own query language: `q`, `f` (the filter JSON),
//! `sort`, `page`, as in `/contacts` links.

use crate::db::api::{CreatedContact, PostedMessage};
use crate::db::SqlStore;
use app::contacts::inline_edit::MAX_CHANGES;
use app::contacts::url::ContactsUrl;
use app::domain::{
    ContactRow, DeleteTarget, EditField, FieldChange, FieldDef, FieldType, ListQuery, SaveOutcome,
    Workspace, PAGE_SIZE,
};
use app::error::AppError;
use app::filter::{Filter, Kind};
use app::store::{ContactStore, StoreError};
use app::validate;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub const PREFIX: &str = "/api/v1";

/// The longest message body accepted.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

#[derive(Clone)]
struct ApiState {
    store: SqlStore,
}

/// The API's routes, with their own body limit; outside the browser's gate.
pub fn router(store: SqlStore, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/api/v1/contacts", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contacts/{id}",
            get(read_contact)
                .patch(update_contact)
                .delete(delete_contact),
        )
        .route("/api/v1/conversations", post(create_conversation))
        .route("/api/v1/conversations/{id}/messages", post(add_message))
        .route("/api/v1/segments", get(list_segments))
        .route("/api/v1/segments/{id}/contacts", get(segment_contacts))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1", any(unknown_route))
        .route("/api/v1/{*rest}", any(unknown_route))
        // Enforced by the body extractor, so a body too large gets the API's JSON error.
        .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
        .with_state(ApiState { store })
}

/// An error as the API answers it: a status, a stable code, a message a person
/// can read, and the field it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }

    fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} was not found in this workspace."),
        )
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let code = match &err {
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::AdminOnly | AppError::CrossSite => "forbidden",
            AppError::TooManyAttempts(_) => "too_many_requests",
            AppError::Unavailable => "unavailable",
            AppError::Internal | AppError::Network => "internal",
        };
        ApiError {
            status: StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: err.to_string(),
            field: err.field().map(str::to_string),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        // Filter conditions point at `f`, the parameter that carries them.
        let filter = matches!(err, StoreError::InvalidCondition(..));
        let mut api = ApiError::from(AppError::from(err));
        if filter {
            api.field = Some("f".into());
        }
        api
    }
}

/// What every error answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `unauthorized`, `not_found`, `invalid`, `conflict`, `bad_request`,
    /// `unsupported_media_type`, `too_large`, `unavailable`, `internal`.
    pub code: String,
    /// For a person to read.
    pub message: String,
    /// The field the problem is about (`email`, `fields.plan`, `f`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The workspace whose token the request carries.
struct Caller(Workspace);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> ApiResult<Self> {
        let unauthorized =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized("Send an API token in the Authorization header: Bearer ct_…")
            })?;
        match state.store.token_workspace(token).await? {
            Some(workspace) => Ok(Caller(workspace)),
            None => Err(unauthorized(
                "This API token is not valid: it may have been revoked.",
            )),
        }
    }
}

/// An id from the path. One that is not a number names nothing: not found.
struct Id(i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        match Path::<i64>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Nothing in this workspace has that id.",
            )),
        }
    }
}

/// A JSON body whose problems are answered as API errors.
struct Body<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> ApiResult<Self> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with Content-Type: application/json.",
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The body is not valid JSON.",
            )),
            Err(JsonRejection::JsonDataError(err)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("The body does not fit this request: {}", err.body_text()),
            )),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "The body is too large.",
            )),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The body could not be read.",
            )),
        }
    }
}

async fn unknown_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API route.",
    )
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A contact as the API shows it: custom fields by key, times in ISO 8601 UTC.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiContact {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub avatar_url: Option<String>,
    pub campaign_opt_in: bool,
    pub created_at: String,
    pub last_interaction_at: Option<String>,
    /// Send it back with an update: a contact changed since is a conflict.
    pub version: i64,
    /// Custom field values by field key: text, or a list for multi-select fields.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
}

fn api_contact(row: &ContactRow, defs: &[FieldDef]) -> ApiContact {
    let fields = row
        .fields
        .iter()
        .filter_map(|v| {
            let def = defs.iter().find(|d| d.id == v.field_id)?;
            let value = match def.field_type {
                // Multi-select values are stored as a JSON array of options.
                FieldType::MultiSelect => {
                    serde_json::from_str(&v.value).unwrap_or(Value::String(v.value.clone()))
                }
                _ => Value::String(v.value.clone()),
            };
            Some((def.key.clone(), value))
        })
        .collect();
    ApiContact {
        id: row.id,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        avatar_url: row.avatar_url.clone(),
        campaign_opt_in: row.campaign_opt_in,
        created_at: time(row.created_at),
        last_interaction_at: row.last_interaction_at.map(time),
        version: row.version,
        fields,
    }
}

/// A value sent for a field as the text the edit rules read: arrays (for
/// multi-select) as JSON, numbers and booleans as written, null as empty.
fn raw_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(_) => value.to_string(),
        other => other.to_string(),
    }
}

fn field_def<'a>(defs: &'a [FieldDef], key: &str) -> ApiResult<&'a FieldDef> {
    defs.iter().find(|d| d.key == key).ok_or_else(|| {
        ApiError::invalid(
            format!("fields.{key}"),
            format!("This workspace has no custom field with the key “{key}”."),
        )
    })
}

#[derive(Debug, Serialize, ToSchema)]
struct ContactList {
    contacts: Vec<ApiContact>,
    page: u32,
    per_page: u32,
    /// How many contacts the list has (null with `count=false` when counting is expensive).
    total: Option<i64>,
}

/// A list query from the request's parameters, read as the page reads its URL;
/// a filter that does not parse is refused instead of dropped.
fn list_query(params: &HashMap<String, String>) -> ApiResult<ListQuery> {
    if let Some(f) = params.get("f") {
        serde_json::from_str::<Filter>(f).map_err(|_| {
            ApiError::invalid(
                "f",
                "The filter is not valid JSON in the Quick Filter's form.",
            )
        })?;
    }
    Ok(ContactsUrl::from_pairs(params.clone()).list_query())
}

async fn list_page(
    store: &SqlStore,
    workspace: &Workspace,
    query: &ListQuery,
    count: bool,
) -> ApiResult<ContactList> {
    let page = store.contact_page(workspace, query).await?;
    if let Some(problem) = page.segment.as_ref().and_then(|s| s.problem.clone()) {
        return Err(ApiError::invalid("segment", problem));
    }
    let total = match (page.total, count) {
        (Some(total), _) => Some(total),
        (None, true) => Some(store.count_contacts(workspace, query).await?),
        (None, false) => None,
    };
    Ok(ContactList {
        contacts: page
            .rows
            .iter()
            .map(|r| api_contact(r, &page.fields))
            .collect(),
        page: page.page,
        per_page: PAGE_SIZE,
        total,
    })
}

#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ListParams),
    security(("token" = [])),
    responses(
        (status = 200, description = "A page of contacts, newest interaction first unless sorted", body = ContactList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "A filter that cannot run", body = ErrorBody),
    ))]
async fn list_contacts(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ContactList>> {
    let query = ListQuery {
        segment: None,
        ..list_query(&params)?
    };
    let count = params.get("count").is_none_or(|c| c != "false");
    Ok(Json(
        list_page(&state.store, &workspace, &query, count).await?,
    ))
}

/// The page's query language, as in `/contacts` links.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListParams {
    /// Search: name, email, phone or custom field text, any script, case-insensitive.
    q: Option<String>,
    /// The Quick Filter as JSON: `{"join":"all","conditions":[…]}`.
    f: Option<String>,
    /// `name`, `created_at`, `last_interaction`, `field:ID`; a leading `-` reverses.
    sort: Option<String>,
    /// 1-based; 10 contacts a page.
    page: Option<u32>,
    /// `false` leaves out a total that needs an expensive count.
    count: Option<bool>,
}

/// Paging a segment's contacts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SegmentParams {
    sort: Option<String>,
    page: Option<u32>,
    count: Option<bool>,
}

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

/// The API's description, made from the handlers and types above.
#[derive(OpenApi)]
#[openapi(
    info(title = "Contacts API", version = "1", description = "Contacts and incoming conversations of one workspace, by its API token."),
    paths(list_contacts, create_contact, read_contact, update_contact, delete_contact,
          create_conversation, add_message, list_segments, segment_contacts),
    modifiers(&TokenAuth)
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn read(store: &SqlStore, workspace: &Workspace, id: i64) -> ApiResult<ApiContact> {
    let details = store
        .contact_details(workspace.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("This contact"))?;
    Ok(api_contact(&details.contact, &details.fields))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "The contact's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The contact", body = ApiContact),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such contact in this workspace", body = ErrorBody),
    ))]
async fn read_contact(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Id(id): Id,
) -> ApiResult<Json<ApiContact>> {
    Ok(Json(read(&state.store, &workspace, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewContact {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    avatar_url: Option<String>,
    #[serde(default)]
    campaign_opt_in: bool,
    /// Custom field values by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: BTreeMap<String, Value>,
}

/// Checks a new contact by the edit rules, naming the field of each problem.
fn checked_contact(new: NewContact, defs: &[FieldDef]) -> ApiResult<CreatedContact> {
    let optional = |field: &str,
                    raw: &Option<String>,
                    rule: fn(&str) -> Result<String, String>|
     -> ApiResult<Option<String>> {
        match raw {
            None => Ok(None),
            Some(raw) => validate::optional(raw, rule).map_err(|p| ApiError::invalid(field, p)),
        }
    };
    let mut fields = Vec::new();
    for (key, value) in &new.fields {
        let def = field_def(defs, key)?;
        let clean = validate::field(def, &raw_value(value))
            .map_err(|p| ApiError::invalid(format!("fields.{key}"), p))?;
        if let Some(clean) = clean {
            fields.push((def.id, Kind::of(def.field_type), clean));
        }
    }
    Ok(CreatedContact {
        name: validate::name(&new.name).map_err(|p| ApiError::invalid("name", p))?,
        email: optional("email", &new.email, validate::email)?,
        phone: optional("phone", &new.phone, validate::phone)?,
        avatar_url: optional("avatar_url", &new.avatar_url, validate::url)?,
        campaign_opt_in: new.campaign_opt_in,
        fields,
    })
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = NewContact,
    security(("token" = [])),
    responses(
        (status = 201, description = "Created", body = ApiContact),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
        (status = 422, description = "A value breaks its field's rules: `field` names it", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
async fn create_contact(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Body(new): Body<NewContact>,
) -> ApiResult<(StatusCode, Json<ApiContact>)> {
    let defs = state.store.contact_fields(workspace.id).await?;
    let contact = checked_contact(new, &defs)?;
    let id = state.store.create_contact(workspace.id, &contact).await?;
    Ok((
        StatusCode::CREATED,
        Json(read(&state.store, &workspace, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactUpdate {
    /// The version the caller read: if the contact changed since, nothing is saved.
    version: i64,
    /// The values to set: `name`, `email`, `phone`, `avatar_url`,
    /// `campaign_opt_in`, and `fields` by key; null or "" clears a value.
    #[schema(value_type = Object)]
    changes: Map<String, Value>,
    /// Optional: the values the caller saw, by the same keys. Then, as with
    /// inline edits, a contact changed since `version` is still saved when
    /// these fields hold what the caller saw; without them, any change is a conflict.
    #[serde(default)]
    #[schema(value_type = Object)]
    expected: Map<String, Value>,
}

/// How the API names a contact's value: as in the body (`email`, `fields.plan`).
fn field_name(field: EditField, defs: &[FieldDef]) -> String {
    match field {
        EditField::Custom(id) => defs
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| "fields".into(), |d| format!("fields.{}", d.key)),
        field => field.key(),
    }
}

/// What no stored value can be (values never hold NUL): with it as the value
/// the caller "saw", any change since their version is a conflict.
const UNSEEN: &str = "\0";

/// The value the caller saw, as stored: empty is none; never seen is `UNSEEN`.
fn seen(value: Option<&Value>) -> Option<String> {
    match value {
        None => Some(UNSEEN.to_string()),
        Some(value) => Some(raw_value(value)).filter(|v| !v.trim().is_empty()),
    }
}

fn edit_changes(
    changes: &Map<String, Value>,
    expected: &Map<String, Value>,
    defs: &[FieldDef],
) -> ApiResult<Vec<FieldChange>> {
    let mut out = Vec::new();
    let change = |field: EditField, value: &Value, saw: Option<&Value>| FieldChange {
        field,
        expected: seen(saw),
        value: raw_value(value),
    };
    let expected_fields = expected.get("fields").and_then(Value::as_object);
    for (key, value) in changes {
        let field = match key.as_str() {
            "name" => EditField::Name,
            "email" => EditField::Email,
            "phone" => EditField::Phone,
            "avatar_url" => EditField::AvatarUrl,
            "campaign_opt_in" => EditField::CampaignOptIn,
            "fields" => {
                let Value::Object(fields) = value else {
                    return Err(ApiError::invalid(
                        "fields",
                        "Send custom fields as an object of values by field key.",
                    ));
                };
                for (key, value) in fields {
                    let saw = expected_fields.and_then(|f| f.get(key));
                    out.push(change(
                        EditField::Custom(field_def(defs, key)?.id),
                        value,
                        saw,
                    ));
                }
                continue;
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("“{other}” is not a value of a contact that can be changed."),
                ))
            }
        };
        out.push(change(field, value, expected.get(key)));
    }
    if out.is_empty() || out.len() > MAX_CHANGES {
        return Err(ApiError::invalid(
            "changes",
            format!("Send between 1 and {MAX_CHANGES} changes."),
        ));
    }
    Ok(out)
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", request_body = ContactUpdate,
    params(("id" = i64, Path, description = "The contact's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved; the contact as it is now", body = ApiContact),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
        (status = 422, description = "A value breaks its field's rules: `field` names it", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such contact in this workspace", body = ErrorBody),
        (status = 409, description = "The contact changed since the version sent", body = ErrorBody),
    ))]
async fn update_contact(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Id(id): Id,
    Body(update): Body<ContactUpdate>,
) -> ApiResult<Json<ApiContact>> {
    let defs = state.store.contact_fields(workspace.id).await?;
    let clean = edit_changes(&update.changes, &update.expected, &defs)?
        .iter()
        .map(|c| {
            validate::change(&defs, c).map_err(|p| ApiError::invalid(field_name(c.field, &defs), p))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    match state
        .store
        .save_contact(workspace.id, id, update.version, &clean)
        .await?
    {
        SaveOutcome::Saved(_) => Ok(Json(read(&state.store, &workspace, id).await?)),
        SaveOutcome::Conflict { field, .. } => Err(ApiError {
            field: Some(field_name(field, &defs)),
            ..ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "This contact changed since the version sent. Read it again and send its new version.",
            )
        }),
        SaveOutcome::NotFound => Err(ApiError::not_found("This contact")),
    }
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "The contact's id")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Deleted, with their conversations"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such contact in this workspace", body = ErrorBody),
    ))]
async fn delete_contact(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    let deleted = state
        .store
        .delete_contacts(&workspace, &DeleteTarget::Ids(vec![id]))
        .await?;
    if deleted == 0 {
        return Err(ApiError::not_found("This contact"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ConversationContact {
    email: Option<String>,
    phone: Option<String>,
    /// Used when the contact is created; else the email's or phone's own text.
    name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Direction {
    Incoming,
    Outgoing,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    body: String,
    direction: Option<Direction>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewConversation {
    contact: ConversationContact,
    status: Option<String>,
    /// The first message, usually the one that opened the conversation.
    message: Option<NewMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
struct OpenedConversation {
    id: i64,
    contact_id: i64,
    /// Whether no contact had this email or phone, so one was created.
    contact_created: bool,
    message: Option<ApiMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
struct ApiMessage {
    id: i64,
    conversation_id: i64,
    contact_id: i64,
    created_at: String,
}

impl From<PostedMessage> for ApiMessage {
    fn from(m: PostedMessage) -> Self {
        ApiMessage {
            id: m.id,
            conversation_id: m.conversation_id,
            contact_id: m.contact_id,
            created_at: time(m.created_at),
        }
    }
}

fn message_body(raw: &str) -> ApiResult<String> {
    let body = raw.trim();
    let problem = if body.is_empty() {
        Some("A message needs some text.".to_string())
    } else if body.contains('\0') {
        Some("The text contains an invisible control character (NUL).".into())
    } else if body.chars().count() > MAX_MESSAGE_CHARS {
        Some(format!(
            "Keep a message under {MAX_MESSAGE_CHARS} characters."
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ApiError::invalid("body", problem)),
        None => Ok(body.to_string()),
    }
}

#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", request_body = NewConversation,
    security(("token" = [])),
    responses(
        (status = 201, description = "Opened, for the contact found by email or phone (or created)", body = OpenedConversation),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
        (status = 422, description = "A value breaks its field's rules: `field` names it", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
async fn create_conversation(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Body(new): Body<NewConversation>,
) -> ApiResult<(StatusCode, Json<OpenedConversation>)> {
    let invalid =
        |field: &'static str| move |p: String| ApiError::invalid(format!("contact.{field}"), p);
    let email = new
        .contact
        .email
        .as_deref()
        .map(validate::email)
        .transpose()
        .map_err(invalid("email"))?;
    let phone = new
        .contact
        .phone
        .as_deref()
        .map(validate::phone)
        .transpose()
        .map_err(invalid("phone"))?;
    let Some(key) = email.clone().or_else(|| phone.clone()) else {
        return Err(ApiError::invalid(
            "contact",
            "Name the contact by email or phone.",
        ));
    };
    let name =
        validate::name(new.contact.name.as_deref().unwrap_or(&key)).map_err(invalid("name"))?;
    let status = new.status.unwrap_or_else(|| "open".into());
    if !["open", "pending", "snoozed", "resolved"].contains(&status.as_str()) {
        return Err(ApiError::invalid(
            "status",
            "The status is one of open, pending, snoozed or resolved.",
        ));
    }
    let first = new
        .message
        .map(|m| Ok::<_, ApiError>((message_body(&m.body)?, m.direction)))
        .transpose()?;
    let contact = CreatedContact {
        name,
        email,
        phone,
        avatar_url: None,
        campaign_opt_in: false,
        fields: Vec::new(),
    };
    let (id, contact_id, contact_created) = state
        .store
        .open_conversation(workspace.id, &contact, &status)
        .await?;
    let message = match first {
        Some((body, direction)) => state
            .store
            .add_message(
                workspace.id,
                id,
                !matches!(direction, Some(Direction::Outgoing)),
                &body,
            )
            .await?
            .map(ApiMessage::from),
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(OpenedConversation {
            id,
            contact_id,
            contact_created,
            message,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", request_body = NewMessage,
    params(("id" = i64, Path, description = "The conversation's id")),
    security(("token" = [])),
    responses(
        (status = 201, description = "Added; it is now the contact's last interaction", body = ApiMessage),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
        (status = 422, description = "A value breaks its field's rules: `field` names it", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such conversation in this workspace", body = ErrorBody),
    ))]
async fn add_message(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Id(id): Id,
    Body(new): Body<NewMessage>,
) -> ApiResult<(StatusCode, Json<ApiMessage>)> {
    let body = message_body(&new.body)?;
    let incoming = !matches!(new.direction, Some(Direction::Outgoing));
    let posted = state
        .store
        .add_message(workspace.id, id, incoming, &body)
        .await?
        .ok_or_else(|| ApiError::not_found("This conversation"))?;
    Ok((StatusCode::CREATED, Json(posted.into())))
}

#[derive(Debug, Serialize, ToSchema)]
struct SegmentList {
    segments: Vec<ApiSegment>,
}

#[derive(Debug, Serialize, ToSchema)]
struct ApiSegment {
    id: i64,
    name: String,
}

#[utoipa::path(get, path = "/api/v1/segments", tag = "segments",
    security(("token" = [])),
    responses(
        (status = 200, description = "The workspace's segments by name", body = SegmentList),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
async fn list_segments(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
) -> ApiResult<Json<SegmentList>> {
    let segments = state.store.segment_list(workspace.id).await?;
    Ok(Json(SegmentList {
        segments: segments
            .into_iter()
            .map(|(id, name)| ApiSegment { id, name })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/segments/{id}/contacts", tag = "segments",
    params(("id" = i64, Path, description = "The segment's id"), SegmentParams),
    security(("token" = [])),
    responses(
        (status = 200, description = "A page of the segment's contacts", body = ContactList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such segment in this workspace", body = ErrorBody),
        (status = 422, description = "The segment names a field that was deleted or changed", body = ErrorBody),
    ))]
async fn segment_contacts(
    State(state): State<ApiState>,
    Caller(workspace): Caller,
    Id(id): Id,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ContactList>> {
    let segments = state.store.segment_list(workspace.id).await?;
    if !segments.iter().any(|(s, _)| *s == id) {
        return Err(ApiError::not_found("This segment"));
    }
    // The segment replaces search and filter, as on the page; the sort and page stay.
    let query = ListQuery {
        segment: Some(id),
        ..list_query(&params)?
    };
    let count = params.get("count").is_none_or(|c| c != "false");
    Ok(Json(
        list_page(&state.store, &workspace, &query, count).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_values_are_read_as_the_edit_rules_read_text() {
        assert_eq!(raw_value(&Value::Null), "");
        assert_eq!(raw_value(&json!("Pro")), "Pro");
        assert_eq!(raw_value(&json!(12.5)), "12.5");
        assert_eq!(raw_value(&json!(true)), "true");
        assert_eq!(raw_value(&json!(["a", "b"])), r#"["a","b"]"#);
    }

    #[test]
    fn message_bodies_need_text_without_nul() {
        assert_eq!(message_body("  hi  ").unwrap(), "hi");
        assert_eq!(
            message_body(" ").unwrap_err().field.as_deref(),
            Some("body")
        );
        assert!(message_body("a\0b").is_err());
        assert!(message_body(&"x".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }

    #[test]
    fn store_errors_keep_their_status_and_get_a_code() {
        let err = ApiError::from(StoreError::Unavailable("pool timed out".into()));
        assert_eq!((err.status.as_u16(), err.code), (503, "unavailable"));
        assert!(!err.message.contains("pool"), "{}", err.message);
    }
}
