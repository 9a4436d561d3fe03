//! Generated requests never get a 500. Over 100,000 cases in all:
//! - every server function's arguments, from valid bodies broken at a random
//!   place, and from JSON built at random;
//! - filters: generated conditions of every field, operator and value, through
//!   `list_contacts`, `preview_delete`, `create_segment` and the page's `f=`;
//! - the sign-in form with random fields.
//!
//! Requests go through the whole application in-process (the gate, the
//! framework's decoding, the store), signed in as an admin.

mod common;

use app::accounts::sign_in::SignIn;
use app::accounts::switcher::{GetViewer, SwitchWorkspace};
use app::contacts::bulk_delete::{DeleteContacts, PreviewDelete};
use app::contacts::columns::SaveColumns;
use app::contacts::details::GetContactDetails;
use app::contacts::export::{GetExportLimit, GetExportProgress};
use app::contacts::import::{CheckImport, GetImportProgress, StartImport};
use app::contacts::inline_edit::SaveContact;
use app::contacts::live::LiveCheck;
use app::contacts::segments::{CreateSegment, DeleteSegment, UpdateSegment};
use app::contacts::total::CountContacts;
use app::contacts::ListContacts;
use app::filter::{Condition, FieldRef, Filter, Join, Op, Value as FilterValue};
use axum::body::Body;
use axum::http::{header, Request};
use chrono::NaiveDate;
use leptos::server_fn::ServerFn;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

const ARGUMENT_CASES: u32 = 64_000;
const FILTER_CASES: u32 = 34_000;
const SIGN_IN_CASES: u32 = 2_000;

struct Fixture {
    router: axum::Router,
    cookie: String,
    contact: i64,
    custom: Vec<i64>,
    conversation: Vec<i64>,
}

/// Sends one request; returns the status and the start of the body.
async fn send(fx: &Fixture, method: &str, uri: &str, ctype: &str, body: String) -> (u16, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, &fx.cookie)
        .header(header::CONTENT_TYPE, ctype)
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = fx
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (
        status,
        String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned(),
    )
}

fn check((status, body): (u16, String), what: &str) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{status} for {what}: {body}");
    Ok(())
}

/// The long property tests run as two parts each, side by side: a part is one
/// thread of requests, and the machine has more cores than one.
const PARTS: u32 = 2;

/// A runner of `cases` for one part, with its own fixed seed, so the parts
/// send different cases and a failure reproduces.
fn runner(cases: u32, part: u32) -> TestRunner {
    // The PostgreSQL run sends a tenth as many: the requests are the same
    // kinds, and the whole run stays inside CI's time budget.
    let cases = if common::postgres_server().is_some() {
        cases / 10
    } else {
        cases
    };
    let seed = [part as u8 + 1; 32];
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    )
}

/// Words the decoders look for, so random JSON often gets past the first key.
const WORDS: &[&str] = &[
    "page",
    "q",
    "sort",
    "filter",
    "segment",
    "join",
    "all",
    "any",
    "conditions",
    "field",
    "op",
    "value",
    "kind",
    "id",
    "type",
    "name",
    "email",
    "phone",
    "custom",
    "conversation",
    "labels",
    "text",
    "number",
    "date",
    "range",
    "days",
    "bool",
    "list",
    "contains",
    "between",
    "Ids",
    "Matching",
    "expected",
    "changes",
    "version",
    "columns",
    "token",
    "request",
    "mapping",
    "on_existing",
    "update",
    "skip",
    "only_valid",
    "created_at",
    "descending",
    "key",
    "Field",
    "is_any_of",
    "in_last_days",
    "avatar_url",
    "campaign_opt_in",
    "target",
    "workspace",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => ".{0,10}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-3i64..50).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        word().prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Replaces the part of `value` that `path` leads to (each step picks a child).
fn replace_at(value: &mut Value, path: &[usize], replacement: Value) {
    let child = match value {
        Value::Object(map) if !map.is_empty() && !path.is_empty() => {
            let key = map.keys().nth(path[0] % map.len()).cloned().expect("key");
            map.get_mut(&key)
        }
        Value::Array(items) if !items.is_empty() && !path.is_empty() => {
            let n = items.len();
            items.get_mut(path[0] % n)
        }
        _ => None,
    };
    match child {
        // Stop at a random depth, or at a leaf.
        Some(child) if path.len() > 1 && !path[1].is_multiple_of(4) => {
            replace_at(child, &path[1..], replacement)
        }
        Some(child) => *child = replacement,
        None => *value = replacement,
    }
}

/// Valid arguments for every server function (JSON-encoded ones).
fn templates(fx: &Fixture) -> Vec<(&'static str, Value)> {
    let filter = serde_json::to_value(sample_filter(fx)).expect("filter");
    let query = json!({ "page": 2, "q": "a", "sort": { "key": "name", "descending": true }, "filter": filter });
    vec![
        (ListContacts::PATH, json!({ "query": query })),
        (CountContacts::PATH, json!({ "query": query })),
        (GetContactDetails::PATH, json!({ "id": fx.contact })),
        (
            SaveContact::PATH,
            json!({ "id": fx.contact, "version": 1, "changes": [
                { "field": { "kind": "email" }, "expected": null, "value": "x@example.com" },
                { "field": { "kind": "custom", "id": fx.custom[0] }, "expected": null, "value": "1" }
            ] }),
        ),
        (LiveCheck::PATH, json!({})),
        (
            SaveColumns::PATH,
            json!({ "columns": [{ "kind": "custom", "id": fx.custom[0] }, { "kind": "conversation", "id": fx.conversation[0] }] }),
        ),
        (
            CreateSegment::PATH,
            json!({ "name": "Generated", "filter": filter }),
        ),
        (
            UpdateSegment::PATH,
            json!({ "id": 1, "name": "Renamed", "filter": filter }),
        ),
        (DeleteSegment::PATH, json!({ "id": 1 })),
        (
            PreviewDelete::PATH,
            json!({ "target": { "Matching": query } }),
        ),
        (GetExportLimit::PATH, json!({})),
        (GetExportProgress::PATH, json!({ "token": "abc" })),
        (
            CheckImport::PATH,
            json!({ "request": { "id": "abc", "mapping": ["Name", { "Custom": fx.custom[0] }], "on_existing": "update" } }),
        ),
        (GetImportProgress::PATH, json!({ "id": "abc" })),
        (GetViewer::PATH, json!({})),
    ]
}

/// Functions that would change much if a generated body happened to be valid
/// get only random bodies (their decoder is the same as a template's above).
const RANDOM_ONLY: &[&str] = &[DeleteContacts::PATH, StartImport::PATH];

fn sample_filter(fx: &Fixture) -> Filter {
    Filter {
        join: Join::All,
        conditions: vec![
            Condition {
                field: FieldRef::Name,
                op: Op::Contains,
                value: FilterValue::Text("an".into()),
            },
            Condition {
                field: FieldRef::Custom(fx.custom[0]),
                op: Op::IsNotEmpty,
                value: FilterValue::None,
            },
            Condition {
                field: FieldRef::CreatedAt,
                op: Op::InLastDays,
                value: FilterValue::Days(30),
            },
        ],
    }
}

const OPS: &[Op] = &[
    Op::Contains,
    Op::NotContains,
    Op::Is,
    Op::IsNot,
    Op::StartsWith,
    Op::IsEmpty,
    Op::IsNotEmpty,
    Op::Eq,
    Op::Ne,
    Op::Lt,
    Op::Le,
    Op::Gt,
    Op::Ge,
    Op::On,
    Op::Before,
    Op::After,
    Op::Between,
    Op::InLastDays,
    Op::MoreThanDaysAgo,
    Op::IsAnyOf,
    Op::HasAnyOf,
    Op::HasAllOf,
    Op::HasNoneOf,
];

fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (1900i32..2100, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("date")),
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
    ]
}

fn filter_value() -> impl Strategy<Value = FilterValue> {
    prop_oneof![
        Just(FilterValue::None),
        ".{0,12}".prop_map(FilterValue::Text),
        prop_oneof![any::<f64>(), -1e3f64..1e3].prop_map(FilterValue::Number),
        date().prop_map(FilterValue::Date),
        (date(), date()).prop_map(|(a, b)| FilterValue::Range(a, b)),
        prop_oneof![any::<u32>(), 0u32..400].prop_map(FilterValue::Days),
        any::<bool>().prop_map(FilterValue::Bool),
        proptest::collection::vec(".{0,8}", 0..4).prop_map(FilterValue::List),
    ]
}

fn filter(custom: Vec<i64>, conversation: Vec<i64>) -> impl Strategy<Value = Filter> {
    let field = prop_oneof![
        2 => proptest::sample::select(FieldRef::BUILT_IN.to_vec()),
        4 => proptest::sample::select(custom).prop_map(FieldRef::Custom),
        2 => proptest::sample::select(conversation).prop_map(FieldRef::Conversation),
        1 => any::<i64>().prop_map(FieldRef::Custom),
    ];
    let condition = (field, proptest::sample::select(OPS), filter_value())
        .prop_map(|(field, op, value)| Condition { field, op, value });
    (
        prop_oneof![Just(Join::All), Just(Join::Any)],
        proptest::collection::vec(condition, 0..6),
    )
        .prop_map(|(join, conditions)| Filter { join, conditions })
}

async fn fixture() -> (common::TestApp, Fixture) {
    let app = common::spawn_app().await;
    let ws = app.seed(60, "Demo").await;
    let ids = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64,)>(sql)
                .bind(ws)
                .fetch_all(&pool)
                .await
                .expect("ids")
                .into_iter()
                .map(|(id,)| id)
                .collect::<Vec<_>>()
        }
    };
    let custom = ids("SELECT id FROM contact_field_defs WHERE workspace_id = $1").await;
    let conversation = ids("SELECT id FROM conversation_field_defs WHERE workspace_id = $1").await;
    let contact = ids("SELECT id FROM contacts WHERE workspace_id = $1 LIMIT 1").await[0];
    let email = app.sign_in(ws, app::accounts::Role::Admin).await;
    let token = server::db::open_session(&app.store, &email)
        .await
        .expect("session");
    let fx = Fixture {
        router: app.router.clone(),
        cookie: format!("contacts_session={token}"),
        contact,
        custom,
        conversation,
    };
    (app, fx)
}

#[test]
fn generated_server_function_arguments_never_get_a_500_part_1() {
    arguments_never_get_a_500(0);
}

#[test]
fn generated_server_function_arguments_never_get_a_500_part_2() {
    arguments_never_get_a_500(1);
}

fn arguments_never_get_a_500(part: u32) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_app, fx) = rt.block_on(fixture());
    let templates = templates(&fx);
    let mut paths: Vec<&'static str> = templates.iter().map(|(p, _)| *p).collect();
    paths.extend(RANDOM_ONLY);
    paths.push(SwitchWorkspace::PATH);
    let strategy = (
        0..paths.len(),
        0u8..4,
        proptest::collection::vec(any::<usize>(), 1..6),
        json_value(),
    );
    runner(ARGUMENT_CASES / PARTS, part)
        .run(&strategy, |(which, how, path, random)| {
            let target = paths[which];
            let template = templates
                .iter()
                .find(|(p, _)| *p == target)
                .map(|(_, v)| v.clone());
            let body = match (template, how) {
                // A valid body broken in one place: most cases.
                (Some(mut body), 0..=2) => {
                    replace_at(&mut body, &path, random);
                    body.to_string()
                }
                // Random JSON, sometimes not even an object.
                (_, 3) | (None, _) if how % 2 == 1 => random.to_string(),
                // Not JSON at all.
                _ => format!("{{\"{}\": {}", path[0] % 7, random),
            };
            let ctype = if target == SwitchWorkspace::PATH {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            };
            let answer = rt.block_on(send(&fx, "POST", target, ctype, body.clone()));
            check(answer, &format!("{target} {body}"))
        })
        .unwrap();
}

#[test]
fn generated_filters_never_get_a_500_part_1() {
    filters_never_get_a_500(0);
}

#[test]
fn generated_filters_never_get_a_500_part_2() {
    filters_never_get_a_500(1);
}

fn filters_never_get_a_500(part: u32) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_app, fx) = rt.block_on(fixture());
    let strategy = (
        filter(fx.custom.clone(), fx.conversation.clone()),
        0u8..4,
        ".{0,6}",
        0u32..30,
    );
    runner(FILTER_CASES / PARTS, part)
        .run(&strategy, |(filter, route, q, page)| {
            let filter = serde_json::to_value(&filter).expect("filter");
            let query = json!({ "page": page, "q": q, "filter": filter });
            let answer = match route {
                0 => rt.block_on(send(
                    &fx,
                    "POST",
                    ListContacts::PATH,
                    "application/json",
                    json!({ "query": query }).to_string(),
                )),
                1 => rt.block_on(send(
                    &fx,
                    "POST",
                    PreviewDelete::PATH,
                    "application/json",
                    json!({ "target": { "Matching": query } }).to_string(),
                )),
                2 => rt.block_on(send(
                    &fx,
                    "POST",
                    CreateSegment::PATH,
                    "application/json",
                    json!({ "name": format!("S{page}{q}"), "filter": filter }).to_string(),
                )),
                _ => {
                    let encoded: String = filter
                        .to_string()
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect();
                    rt.block_on(send(
                        &fx,
                        "GET",
                        &format!("/contacts?page={page}&f={encoded}"),
                        "text/plain",
                        String::new(),
                    ))
                }
            };
            check(answer, &format!("route {route}: {query}"))
        })
        .unwrap();
}

#[test]
fn generated_sign_in_forms_never_get_a_500() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_app, fx) = rt.block_on(fixture());
    let strategy = proptest::collection::vec(
        (
            prop_oneof![
                Just("email".to_string()),
                Just("password".to_string()),
                Just("next".to_string()),
                ".{0,6}"
            ],
            ".{0,40}",
        ),
        0..5,
    );
    runner(SIGN_IN_CASES, 0)
        .run(&strategy, |fields| {
            let body: String = fields
                .iter()
                .map(|(k, v)| {
                    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
                    format!("{}={}", enc(k), enc(v))
                })
                .collect::<Vec<_>>()
                .join("&");
            let answer = rt.block_on(send(
                &fx,
                "POST",
                SignIn::PATH,
                "application/x-www-form-urlencoded",
                body.clone(),
            ));
            check(answer, &body)
        })
        .unwrap();
}
