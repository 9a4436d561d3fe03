//! The filter compiler against the in-memory reference evaluator, on a real
//! SQLite database: table-driven cases, then random filters over random data.

use app::domain::{FieldDef, FieldType};
use app::filter::{
    digits, fold_for, Condition, FieldRef, Filter, Join, Kind, Op, Schema, Subject, Value, DAY_MS,
};
use chrono::NaiveDate;
use server::{
    db,
    db::filter_sql::{push_filter, Shape},
    seed::Rng,
};
use sqlx::{Any, AnyPool, QueryBuilder};

mod common;

const NOW: i64 = 1_760_000_000_000;

struct World {
    pool: AnyPool,
    ws: i64,
    schema: Schema,
    subjects: Vec<(i64, Subject)>,
    _db: common::TestDb,
}

const WORDS: &[&str] = &[
    "Müller", "MÜLLER", "muller", "straße", "José", "JOSÉ", "ann", "Anna", "100%", "a_b", "", "  ",
    "王伟", "Zoë",
];
const PHONES: &[&str] = &["+15551234567", "+4915112345678", "+15550000000", ""];
const OPTIONS: &[&str] = &["A", "B", "C"];
const TAGS: &[&str] = &["x", "y", "z"];

fn def(id: i64, key: &str, t: FieldType, options: &[&str]) -> FieldDef {
    FieldDef {
        id,
        key: key.into(),
        label: key.into(),
        field_type: t,
        options: options.iter().map(|s| s.to_string()).collect(),
        position: id as i32,
    }
}

async fn world(contacts: usize, seed: u64) -> World {
    world_in(common::TestDb::new().await, contacts, seed).await
}

/// The same world on SQLite and, when the run has a PostgreSQL server, there
/// too: every generated filter must select the same rows on both and in the
/// reference evaluator.
async fn worlds(contacts: usize, seed: u64) -> Vec<World> {
    let mut all = vec![world_in(common::TestDb::sqlite(), contacts, seed).await];
    if let Some(server) = common::postgres_server() {
        all.push(world_in(common::TestDb::postgres(&server).await, contacts, seed).await);
    }
    all
}

async fn world_in(test_db: common::TestDb, contacts: usize, seed: u64) -> World {
    let pool = db::connect(&test_db.url).await.unwrap();
    let (ws,): (i64,) =
        sqlx::query_as("INSERT INTO workspaces (name, created_at) VALUES ('W', 0) RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap();
    let fields = vec![
        def(1, "company", FieldType::Text, &[]),
        def(2, "backup", FieldType::Phone, &[]),
        def(3, "score", FieldType::Number, &[]),
        def(4, "renewal", FieldType::Date, &[]),
        def(5, "plan", FieldType::Select, OPTIONS),
        def(6, "tags", FieldType::MultiSelect, TAGS),
    ];
    let conversation_fields = vec![
        def(7, "priority", FieldType::Select, OPTIONS),
        def(8, "order", FieldType::Text, &[]),
    ];
    for (table, defs) in [
        ("contact_field_defs", &fields),
        ("conversation_field_defs", &conversation_fields),
    ] {
        for f in defs.iter() {
            sqlx::query(&format!(
                "INSERT INTO {table} (id, workspace_id, key, label, field_type, options, position) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(f.id)
            .bind(ws)
            .bind(&f.key)
            .bind(&f.label)
            .bind(f.field_type.as_str())
            .bind(serde_json::to_string(&f.options).unwrap())
            .bind(f.position)
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    let mut labels = Vec::new();
    for name in ["vip", "lead", "bug"] {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO labels (workspace_id, name, color) VALUES ($1, $2, '#000') RETURNING id",
        )
        .bind(ws)
        .bind(name)
        .fetch_one(&pool)
        .await
        .unwrap();
        labels.push((id, name.to_string()));
    }
    let schema = Schema {
        fields,
        conversation_fields,
        labels,
    };

    let mut rng = Rng::new(seed, 0);
    let mut subjects = Vec::new();
    for _ in 0..contacts {
        let pick = |rng: &mut Rng, items: &[&str]| {
            items[rng.below(items.len() as u64) as usize].to_string()
        };
        let name = pick(&mut rng, WORDS);
        let email = rng
            .chance(70)
            .then(|| format!("{}@Example.COM", pick(&mut rng, WORDS)));
        let phone = rng
            .chance(70)
            .then(|| pick(&mut rng, PHONES))
            .filter(|p| !p.is_empty());
        let created_at = NOW - rng.range(0, 60) * DAY_MS - rng.range(0, DAY_MS);
        let opt_in = rng.chance(50);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO contacts (workspace_id, name, email, phone, avatar_color, created_at, updated_at, \
             campaign_opt_in, name_fold, email_fold, phone_digits) VALUES ($1, $2, $3, $4, '#000', $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(ws)
        .bind(&name)
        .bind(&email)
        .bind(&phone)
        .bind(created_at)
        .bind(created_at)
        .bind(db::Flag(opt_in))
        .bind(fold_for(Kind::Text, &name))
        .bind(email.as_deref().map(|e| fold_for(Kind::Text, e)))
        .bind(phone.as_deref().map(digits))
        .fetch_one(&pool)
        .await
        .unwrap();
        let mut values = Vec::new();
        if rng.chance(70) {
            values.push((1, pick(&mut rng, WORDS), Kind::Text));
        }
        if rng.chance(50) {
            values.push((2, pick(&mut rng, PHONES), Kind::Phone));
        }
        if rng.chance(60) {
            values.push((
                3,
                format!("{}", rng.range(-5, 6) as f64 / 2.0),
                Kind::Number,
            ));
        }
        if rng.chance(60) {
            let d =
                NaiveDate::from_ymd_opt(2025, 10, 1).unwrap() + chrono::Days::new(rng.below(20));
            values.push((4, d.format("%Y-%m-%d").to_string(), Kind::Day));
        }
        if rng.chance(60) {
            values.push((5, pick(&mut rng, OPTIONS), Kind::Select));
        }
        if rng.chance(60) {
            let tags: Vec<&str> = TAGS.iter().copied().filter(|_| rng.chance(40)).collect();
            values.push((6, serde_json::to_string(&tags).unwrap(), Kind::MultiSelect));
        }
        for (field, value, kind) in &values {
            let number = if *kind == Kind::Number {
                value.parse::<f64>().ok()
            } else {
                None
            };
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(field)
                .bind(value)
                .bind(db::Number(number))
                .bind(fold_for(*kind, value))
                .execute(&pool)
                .await
                .unwrap();
        }
        let mut conversations = Vec::new();
        let mut last = None;
        for _ in 0..rng.below(3) {
            let at = NOW - rng.range(0, 40) * DAY_MS;
            last = Some(last.map_or(at, |l: i64| l.max(at)));
            let (cid,): (i64,) = sqlx::query_as(
                "INSERT INTO conversations (workspace_id, contact_id, status, created_at, last_message_at) VALUES ($1, $2, 'open', $3, $4) RETURNING id",
            )
            .bind(ws)
            .bind(id)
            .bind(at)
            .bind(at)
            .fetch_one(&pool)
            .await
            .unwrap();
            let mut conv_labels = Vec::new();
            for (label, _) in &schema.labels {
                if rng.chance(30) {
                    sqlx::query(
                        "INSERT INTO conversation_labels (conversation_id, label_id) VALUES ($1, $2)",
                    )
                    .bind(cid)
                    .bind(label)
                    .execute(&pool)
                    .await
                    .unwrap();
                    conv_labels.push(*label);
                }
            }
            let mut conv_fields = Vec::new();
            if rng.chance(60) {
                conv_fields.push((7, pick(&mut rng, OPTIONS)));
            }
            if rng.chance(50) {
                conv_fields.push((8, pick(&mut rng, WORDS)));
            }
            for (field, value) in &conv_fields {
                sqlx::query("INSERT INTO conversation_field_values (conversation_id, field_id, value, value_fold) VALUES ($1, $2, $3, $4)")
                    .bind(cid)
                    .bind(field)
                    .bind(value)
                    .bind(fold_for(Kind::Text, value))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            conversations.push((conv_labels, conv_fields));
        }
        sqlx::query("UPDATE contacts SET last_interaction_at = $1 WHERE id = $2")
            .bind(last)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        subjects.push((
            id,
            Subject {
                name,
                email,
                phone,
                created_at,
                last_interaction_at: last,
                campaign_opt_in: opt_in,
                fields: values.into_iter().map(|(f, v, _)| (f, v)).collect(),
                conversations,
            },
        ));
    }
    World {
        pool,
        ws,
        schema,
        subjects,
        _db: test_db,
    }
}

/// The ids the compiled filter selects, in each of its shapes (which must agree).
async fn sql_ids(w: &World, filter: &Filter) -> Vec<i64> {
    let mut answers = Vec::new();
    for shape in [Shape::Probe, Shape::Ranged, Shape::Sets] {
        let mut q = QueryBuilder::<Any>::new("SELECT id FROM contacts WHERE workspace_id = ");
        q.push_bind(w.ws);
        let backend = db::Backend::of(&w.pool);
        push_filter(&mut q, filter, &w.schema, NOW, shape, backend).expect("valid filter");
        q.push(" ORDER BY id");
        let ids: Vec<i64> = db::finish(&mut q, backend)
            .build_query_as::<(i64,)>()
            .fetch_all(&w.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(id,)| id)
            .collect();
        answers.push(ids);
    }
    assert_eq!(
        answers[0], answers[1],
        "both shapes select the same rows: {filter:?}"
    );
    answers.remove(0)
}

fn reference_ids(w: &World, filter: &Filter) -> Vec<i64> {
    w.subjects
        .iter()
        .filter(|(_, s)| filter.matches(&w.schema, s, NOW))
        .map(|(id, _)| *id)
        .collect()
}

fn one(field: FieldRef, op: Op, value: Value) -> Filter {
    Filter {
        join: Join::All,
        conditions: vec![Condition { field, op, value }],
    }
}

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, d).unwrap()
}

#[tokio::test]
async fn table_of_conditions_matches_the_reference_and_is_not_trivial() {
    let w = world(120, 3).await;
    let t = |s: &str| Value::Text(s.into());
    let l = |items: &[&str]| Value::List(items.iter().map(|s| s.to_string()).collect());
    let label = |i: usize| w.schema.labels[i].0.to_string();
    let cases: Vec<Filter> = vec![
        one(FieldRef::Name, Op::Contains, t("müller")),
        one(FieldRef::Name, Op::Contains, t("MÜLL")),
        one(FieldRef::Name, Op::Is, t("josé")),
        one(FieldRef::Name, Op::IsNot, t("JOSÉ")),
        one(FieldRef::Name, Op::StartsWith, t("an")),
        one(FieldRef::Name, Op::Contains, t("%")),
        one(FieldRef::Name, Op::Contains, t("_")),
        one(FieldRef::Name, Op::IsEmpty, Value::None),
        one(FieldRef::Name, Op::NotContains, t("a")),
        one(FieldRef::Email, Op::Contains, t("@example.com")),
        one(FieldRef::Email, Op::IsEmpty, Value::None),
        one(FieldRef::Phone, Op::Contains, t("555 123")),
        one(FieldRef::Phone, Op::StartsWith, t("+49")),
        one(FieldRef::Phone, Op::IsNotEmpty, Value::None),
        one(FieldRef::CreatedAt, Op::InLastDays, Value::Days(10)),
        one(FieldRef::CreatedAt, Op::MoreThanDaysAgo, Value::Days(30)),
        one(
            FieldRef::CreatedAt,
            Op::On,
            Value::Date(app::filter::day_of(NOW - 5 * DAY_MS)),
        ),
        one(FieldRef::LastInteraction, Op::IsEmpty, Value::None),
        one(
            FieldRef::LastInteraction,
            Op::Between,
            Value::Range(
                app::filter::day_of(NOW - 20 * DAY_MS),
                app::filter::day_of(NOW),
            ),
        ),
        one(FieldRef::CampaignOptIn, Op::Is, Value::Bool(true)),
        one(FieldRef::HasConversations, Op::Is, Value::Bool(false)),
        one(FieldRef::Labels, Op::HasAnyOf, l(&[&label(0), &label(1)])),
        one(FieldRef::Labels, Op::HasAllOf, l(&[&label(0), &label(1)])),
        one(FieldRef::Labels, Op::HasNoneOf, l(&[&label(2)])),
        one(FieldRef::Custom(1), Op::Contains, t("straße")),
        one(FieldRef::Custom(1), Op::NotContains, t("ann")),
        one(FieldRef::Custom(1), Op::IsEmpty, Value::None),
        one(FieldRef::Custom(2), Op::Contains, t("(555)")),
        one(FieldRef::Custom(3), Op::Ge, Value::Number(0.5)),
        one(FieldRef::Custom(3), Op::Ne, Value::Number(1.0)),
        one(FieldRef::Custom(4), Op::Before, Value::Date(date(10))),
        one(
            FieldRef::Custom(4),
            Op::Between,
            Value::Range(date(5), date(12)),
        ),
        one(FieldRef::Custom(5), Op::IsAnyOf, l(&["A", "C"])),
        one(FieldRef::Custom(5), Op::IsNot, t("B")),
        one(FieldRef::Custom(6), Op::HasAllOf, l(&["x", "y", "x"])),
        one(FieldRef::Custom(6), Op::HasNoneOf, l(&["z"])),
        one(FieldRef::Custom(6), Op::IsEmpty, Value::None),
        one(FieldRef::Conversation(7), Op::Is, t("A")),
        one(FieldRef::Conversation(7), Op::IsNot, t("A")),
        one(FieldRef::Conversation(7), Op::IsEmpty, Value::None),
        one(FieldRef::Conversation(8), Op::Contains, t("MÜLLER")),
    ];
    let mut non_trivial = 0;
    for filter in &cases {
        let (sql, reference) = (sql_ids(&w, filter).await, reference_ids(&w, filter));
        assert_eq!(sql, reference, "{filter:?}");
        if !sql.is_empty() && sql.len() < w.subjects.len() {
            non_trivial += 1;
        }
    }
    assert!(
        non_trivial > cases.len() * 3 / 4,
        "most cases select some but not all contacts"
    );
}

/// A random valid condition over the world's schema.
fn random_condition(rng: &mut Rng, schema: &Schema) -> Condition {
    let custom = [
        FieldRef::Custom(1),
        FieldRef::Custom(2),
        FieldRef::Custom(3),
        FieldRef::Custom(4),
        FieldRef::Custom(5),
        FieldRef::Custom(6),
        FieldRef::Conversation(7),
        FieldRef::Conversation(8),
    ];
    let fields: Vec<FieldRef> = FieldRef::BUILT_IN.into_iter().chain(custom).collect();
    loop {
        let field = *rng.pick(&fields);
        let kind = schema.kind(field).unwrap();
        let op = *rng.pick(kind.ops());
        let pick_list = |rng: &mut Rng, items: &[String]| -> Vec<String> {
            let mut out: Vec<String> = items.iter().filter(|_| rng.chance(50)).cloned().collect();
            if out.is_empty() {
                out.push(rng.pick(items).clone());
            }
            out
        };
        let day = |rng: &mut Rng| match kind {
            Kind::Day => date(1 + rng.below(25) as u32),
            _ => app::filter::day_of(NOW - rng.range(0, 70) * DAY_MS),
        };
        let value = match op {
            Op::IsEmpty | Op::IsNotEmpty => Value::None,
            Op::InLastDays | Op::MoreThanDaysAgo => Value::Days(rng.below(70) as u32),
            Op::On | Op::Before | Op::After => Value::Date(day(rng)),
            Op::Between => {
                let (a, b) = (day(rng), day(rng));
                Value::Range(a.min(b), a.max(b))
            }
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                Value::Number(rng.range(-6, 7) as f64 / 2.0)
            }
            Op::Is if kind == Kind::Boolean => Value::Bool(rng.chance(50)),
            Op::Is | Op::IsNot if kind == Kind::Select => {
                Value::Text(rng.pick(OPTIONS).to_string())
            }
            Op::IsAnyOf | Op::HasAnyOf | Op::HasAllOf | Op::HasNoneOf => {
                let items: Vec<String> = if kind == Kind::Labels {
                    schema.labels.iter().map(|(id, _)| id.to_string()).collect()
                } else if kind == Kind::MultiSelect {
                    TAGS.iter().map(|s| s.to_string()).collect()
                } else {
                    OPTIONS.iter().map(|s| s.to_string()).collect()
                };
                Value::List(pick_list(rng, &items))
            }
            _ => {
                let source = if kind == Kind::Phone {
                    &["555", "+1 555", "49151", "0000", "(555) 123"][..]
                } else {
                    WORDS
                };
                let word = rng.pick(source).to_string();
                // Sometimes a fragment, in another case.
                let chars: Vec<char> = word.chars().collect();
                let cut = if chars.len() > 2 && rng.chance(50) {
                    chars.len() - 1
                } else {
                    chars.len()
                };
                let text: String = chars[..cut].iter().collect();
                Value::Text(if rng.chance(30) {
                    text.to_uppercase()
                } else {
                    text
                })
            }
        };
        let c = Condition { field, op, value };
        if schema.check(&c).is_ok() {
            return c;
        }
    }
}

#[tokio::test]
async fn random_filters_select_exactly_what_the_reference_evaluator_selects() {
    for seed in 1..=3 {
        let worlds = worlds(90, seed).await;
        let mut rng = Rng::new(seed, 99);
        for _ in 0..250 {
            let n = 1 + rng.below(3) as usize;
            let filter = Filter {
                join: if rng.chance(50) { Join::All } else { Join::Any },
                conditions: (0..n)
                    .map(|_| random_condition(&mut rng, &worlds[0].schema))
                    .collect(),
            };
            let expected = reference_ids(&worlds[0], &filter);
            for w in &worlds {
                assert_eq!(
                    sql_ids(w, &filter).await,
                    expected,
                    "seed {seed} on {:?}: {filter:?}",
                    db::Backend::of(&w.pool)
                );
            }
        }
    }
}

#[tokio::test]
async fn a_condition_on_a_deleted_field_is_refused_with_its_position() {
    let w = world(5, 1).await;
    let filter = Filter {
        join: Join::All,
        conditions: vec![
            Condition {
                field: FieldRef::Name,
                op: Op::IsNotEmpty,
                value: Value::None,
            },
            Condition {
                field: FieldRef::Custom(999),
                op: Op::IsEmpty,
                value: Value::None,
            },
        ],
    };
    let mut q = QueryBuilder::<Any>::new("SELECT 1");
    let err = push_filter(
        &mut q,
        &filter,
        &w.schema,
        NOW,
        Shape::Probe,
        db::Backend::of(&w.pool),
    )
    .unwrap_err();
    assert_eq!(err.0, 1);
    assert_eq!(err.1.to_string(), "This field no longer exists.");
}
