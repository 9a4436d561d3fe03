//! `contacts seed`: realistic, deterministic demo and bulk data.
//!
//! The same seed gives the same people, fields, conversations and messages; dates
//! are laid out over the two years before the moment the seed runs. Contact `k` of
//! a workspace draws from its own random stream, so batch sizes never change the
//! data.

mod data;

/// The avatar color of a contact added outside the seed (import, `add-contact`):
/// one of the seed's colors, which keep white initials readable, chosen by name.
pub fn avatar_color(name: &str) -> &'static str {
    let sum = name.bytes().fold(0_usize, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    data::AVATAR_COLORS[sum % data::AVATAR_COLORS.len()]
}

use crate::db::DbError;
use crate::db::{finish, Backend, Flag, Number};
use app::filter::{digits, fold_for, Kind};
use data::*;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{query_builder::Separated, Any, AnyConnection, AnyPool, QueryBuilder};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;
/// SQLite accepts at most 32,766 bound values per statement.
const MAX_BINDS: usize = 32_000;
const BATCH: u64 = 10_000;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub contacts: u64,
    pub seed: u64,
    pub workspace: String,
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct SeedReport {
    pub workspace_id: i64,
    pub contacts: u64,
    pub conversations: u64,
    pub messages: u64,
    pub elapsed: Duration,
}

/// A small, fast, portable PRNG (SplitMix64): the data must not change when a
/// dependency changes its algorithm.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Stream `stream` of `seed`. Both are scrambled before use: plain offsets
    /// would make stream k+1 a shifted copy of stream k.
    pub fn new(seed: u64, stream: u64) -> Self {
        Rng(mix(mix(seed) ^ stream.wrapping_add(0x2545_F491_4F6C_DD1D)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64) as i64
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// SplitMix64's finalizer: a bijection that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Ids {
    plan: i64,
    company: i64,
    website: i64,
    lifetime_value: i64,
    interests: i64,
    renewal_date: i64,
    backup_phone: i64,
    billing_email: i64,
    priority: i64,
    channel: i64,
    csat: i64,
    order_id: i64,
    labels: Vec<i64>,
}

#[derive(Default)]
struct Batch {
    contacts: Vec<ContactGen>,
    field_values: Vec<(i64, i64, String, Option<f64>)>,
    conversations: Vec<(i64, i64, &'static str, i64, Option<i64>)>,
    conversation_values: Vec<(i64, i64, String, Option<f64>)>,
    /// Conversation, label and the conversation's contact.
    conversation_labels: Vec<(i64, i64, i64)>,
    messages: Vec<(i64, i64, &'static str, String, i64)>,
}

struct ContactGen {
    id: i64,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    avatar_url: Option<String>,
    color: &'static str,
    created_at: i64,
    last_interaction_at: Option<i64>,
    opt_in: bool,
}

fn fill_template(t: &str, rng: &mut Rng) -> String {
    t.replace("{n}", &rng.range(10_000, 99_999).to_string())
}

fn phone(rng: &mut Rng, (cc, len): (&str, usize)) -> String {
    let mut s = String::with_capacity(len + cc.len() + 1);
    s.push('+');
    s.push_str(cc);
    // National numbers never start with 0 or 1 (North American area codes cannot).
    s.push(char::from(b'2' + rng.below(8) as u8));
    for _ in 1..len {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

fn date_string(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Where generation stands: the next free ids and the fixed inputs.
struct Generator<'a> {
    ids: &'a Ids,
    seed: u64,
    now: i64,
    next_conversation: i64,
    next_message: i64,
}

/// Generates contact `k` and its conversations into `batch`.
/// Someone as the demo data makes them up.
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A person in one of many languages and scripts, with an email (nine in ten,
/// unique by `k`) and an E.164 phone (eight in ten).
pub fn person(rng: &mut Rng, k: u64) -> Person {
    person_with_locale(rng, k).0
}

/// A person, with their locale and the ASCII form of their family name (for
/// the rest of their demo data).
fn person_with_locale(rng: &mut Rng, k: u64) -> (Person, &'static Locale, &'static str) {
    let locale = rng.pick(LOCALES);
    let (given, given_ascii) = *rng.pick(locale.given);
    let (family, family_ascii) = *rng.pick(locale.family);
    let name = if locale.family_first {
        format!("{family}{given}")
    } else {
        format!("{given} {family}")
    };
    let email = rng
        .chance(90)
        .then(|| format!("{given_ascii}.{family_ascii}{k}@{}", locale.domain).replace(' ', ""));
    let phone = rng.chance(80).then(|| phone(rng, locale.phone));
    (Person { name, email, phone }, locale, family_ascii)
}

/// A message a customer might send, or (`incoming` false) an agent's reply.
pub fn message_text(rng: &mut Rng, incoming: bool) -> String {
    let text: &&str = rng.pick(if incoming { INCOMING } else { OUTGOING });
    fill_template(text, rng)
}

fn generate(g: &mut Generator<'_>, batch: &mut Batch, k: u64, contact_id: i64) {
    let (ids, seed, now) = (g.ids, g.seed, g.now);
    let next_conversation = &mut g.next_conversation;
    let next_message = &mut g.next_message;
    let mut rng = Rng::new(seed, k);
    let (
        Person {
            name,
            email,
            phone: phone_number,
        },
        locale,
        family_ascii,
    ) = person_with_locale(&mut rng, k);
    let avatar_url = rng
        .chance(35)
        .then(|| format!("/avatars/{}.svg", rng.below(64)));
    let color = *rng.pick(AVATAR_COLORS);
    let created_at = now - rng.range(0, 730 * DAY_MS);
    let opt_in = rng.chance(60);

    let fv = &mut batch.field_values;
    if rng.chance(70) {
        fv.push((
            contact_id,
            ids.company,
            rng.pick(COMPANIES).to_string(),
            None,
        ));
    }
    if rng.chance(40) {
        let site = format!("https://www.{family_ascii}{}.example", rng.below(100));
        fv.push((contact_id, ids.website, site, None));
    }
    if rng.chance(80) {
        fv.push((contact_id, ids.plan, rng.pick(PLANS).to_string(), None));
    }
    if rng.chance(60) {
        let cents = rng.range(0, 2_000_000);
        let value = cents as f64 / 100.0;
        fv.push((
            contact_id,
            ids.lifetime_value,
            value.to_string(),
            Some(value),
        ));
    }
    if rng.chance(50) {
        let mut picked: Vec<&str> = INTERESTS
            .iter()
            .copied()
            .filter(|_| rng.chance(35))
            .collect();
        if picked.is_empty() {
            picked.push(*rng.pick(INTERESTS));
        }
        let json = serde_json::to_string(&picked).expect("strings serialize");
        fv.push((contact_id, ids.interests, json, None));
    }
    if rng.chance(40) {
        let day = now + rng.range(-365 * DAY_MS, 365 * DAY_MS);
        fv.push((contact_id, ids.renewal_date, date_string(day), None));
    }
    if rng.chance(20) {
        fv.push((
            contact_id,
            ids.backup_phone,
            phone(&mut rng, locale.phone),
            None,
        ));
    }
    if rng.chance(25) {
        let billing = format!("billing{k}@{}", locale.domain);
        fv.push((contact_id, ids.billing_email, billing, None));
    }

    let conversations = match rng.below(100) {
        0..=24 => 0,
        25..=69 => 1,
        70..=89 => 2,
        _ => 3,
    };
    let mut last_interaction: Option<i64> = None;
    for _ in 0..conversations {
        let conversation_id = *next_conversation;
        *next_conversation += 1;
        let started = rng.range(created_at, now);
        let status = *rng.pick(STATUSES);
        let mut at = started;
        let message_count = rng.range(1, 5);
        for m in 0..message_count {
            let incoming = m % 2 == 0;
            let template = if incoming {
                rng.pick(INCOMING)
            } else {
                rng.pick(OUTGOING)
            };
            let body = fill_template(template, &mut rng);
            let direction = if incoming { "incoming" } else { "outgoing" };
            batch
                .messages
                .push((*next_message, conversation_id, direction, body, at));
            *next_message += 1;
            if m + 1 < message_count {
                at = (at + rng.range(MINUTE_MS, 180 * MINUTE_MS)).min(now);
            }
        }
        last_interaction = Some(last_interaction.map_or(at, |l: i64| l.max(at)));
        batch
            .conversations
            .push((conversation_id, contact_id, status, started, Some(at)));
        let cv = &mut batch.conversation_values;
        if rng.chance(70) {
            cv.push((
                conversation_id,
                ids.priority,
                rng.pick(PRIORITIES).to_string(),
                None,
            ));
        }
        if rng.chance(90) {
            cv.push((
                conversation_id,
                ids.channel,
                rng.pick(CHANNELS).to_string(),
                None,
            ));
        }
        if status == "resolved" && rng.chance(60) {
            let score = rng.range(1, 6);
            cv.push((
                conversation_id,
                ids.csat,
                score.to_string(),
                Some(score as f64),
            ));
        }
        if rng.chance(30) {
            cv.push((
                conversation_id,
                ids.order_id,
                format!("ORD-{}", rng.range(100_000, 999_999)),
                None,
            ));
        }
        if rng.chance(50) {
            let first = rng.below(ids.labels.len() as u64) as usize;
            batch
                .conversation_labels
                .push((conversation_id, ids.labels[first], contact_id));
            if rng.chance(30) {
                let second = rng.below(ids.labels.len() as u64) as usize;
                if second != first {
                    batch.conversation_labels.push((
                        conversation_id,
                        ids.labels[second],
                        contact_id,
                    ));
                }
            }
        }
    }

    batch.contacts.push(ContactGen {
        id: contact_id,
        name,
        email,
        phone: phone_number,
        avatar_url,
        color,
        created_at,
        last_interaction_at: last_interaction,
        opt_in,
    });
}

async fn ensure_workspace(
    conn: &mut AnyConnection,
    name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM workspaces WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

async fn ensure_field(
    conn: &mut AnyConnection,
    table: &str,
    workspace: i64,
    (key, label, field_type, options, position): (&str, &str, &str, &[&str], i32),
) -> Result<i64, sqlx::Error> {
    // `table` is one of two constants, never user input.
    let sql = format!(
        "INSERT INTO {table} (workspace_id, key, label, field_type, options, position) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, key) DO NOTHING"
    );
    sqlx::query(&sql)
        .bind(workspace)
        .bind(key)
        .bind(label)
        .bind(field_type)
        .bind(serde_json::to_string(options).expect("strings serialize"))
        .bind(position)
        .execute(&mut *conn)
        .await?;
    let sql = format!("SELECT id FROM {table} WHERE workspace_id = $1 AND key = $2");
    let (id,): (i64,) = sqlx::query_as(&sql)
        .bind(workspace)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

async fn ensure_definitions(conn: &mut AnyConnection, workspace: i64) -> Result<Ids, sqlx::Error> {
    let c = "contact_field_defs";
    let v = "conversation_field_defs";
    let mut labels = Vec::new();
    for (name, color) in LABELS {
        sqlx::query(
            "INSERT INTO labels (workspace_id, name, color) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, name) DO NOTHING",
        )
        .bind(workspace)
        .bind(name)
        .bind(color)
        .execute(&mut *conn)
        .await?;
        let (id,): (i64,) =
            sqlx::query_as("SELECT id FROM labels WHERE workspace_id = $1 AND name = $2")
                .bind(workspace)
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
        labels.push(id);
    }
    Ok(Ids {
        company: ensure_field(conn, c, workspace, ("company", "Company", "text", &[], 1)).await?,
        plan: ensure_field(conn, c, workspace, ("plan", "Plan", "select", PLANS, 2)).await?,
        lifetime_value: ensure_field(
            conn,
            c,
            workspace,
            ("lifetime_value", "Lifetime value", "number", &[], 3),
        )
        .await?,
        interests: ensure_field(
            conn,
            c,
            workspace,
            ("interests", "Interests", "multi_select", INTERESTS, 4),
        )
        .await?,
        renewal_date: ensure_field(
            conn,
            c,
            workspace,
            ("renewal_date", "Renewal date", "date", &[], 5),
        )
        .await?,
        website: ensure_field(conn, c, workspace, ("website", "Website", "url", &[], 6)).await?,
        backup_phone: ensure_field(
            conn,
            c,
            workspace,
            ("backup_phone", "Backup phone", "phone", &[], 7),
        )
        .await?,
        billing_email: ensure_field(
            conn,
            c,
            workspace,
            ("billing_email", "Billing email", "email", &[], 8),
        )
        .await?,
        priority: ensure_field(
            conn,
            v,
            workspace,
            ("priority", "Priority", "select", PRIORITIES, 1),
        )
        .await?,
        channel: ensure_field(
            conn,
            v,
            workspace,
            ("channel", "Channel", "select", CHANNELS, 2),
        )
        .await?,
        csat: ensure_field(conn, v, workspace, ("csat", "CSAT", "number", &[], 3)).await?,
        order_id: ensure_field(conn, v, workspace, ("order_id", "Order ID", "text", &[], 4))
            .await?,
        labels,
    })
}

/// Inserts `rows` with multi-row INSERTs, as many per statement as SQLite allows.
async fn insert_rows<T>(
    conn: &mut AnyConnection,
    head: &'static str,
    columns: usize,
    rows: &[T],
    mut bind: impl for<'a, 'q> FnMut(&mut Separated<'a, 'q, Any, &'static str>, &'q T),
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(MAX_BINDS / columns) {
        let mut q = QueryBuilder::<Any>::new(head);
        q.push_values(chunk, |mut sep, row| bind(&mut sep, row));
        finish(&mut q, Backend::of_connection(conn))
            .build()
            .persistent(true)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn write_batch(
    conn: &mut AnyConnection,
    workspace: i64,
    b: &Batch,
    now: i64,
    phone_field: i64,
) -> Result<(), sqlx::Error> {
    // Field values go in before their contacts (foreign keys are deferred to the
    // commit), so each contact's search text is indexed once, by its insert trigger.
    insert_rows(
        conn,
        "INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) ",
        5,
        &b.field_values,
        |s, v| {
            let kind = if v.1 == phone_field {
                Kind::Phone
            } else {
                Kind::Text
            };
            s.push_bind(v.0)
                .push_bind(v.1)
                .push_bind(v.2.as_str())
                .push_bind(Number(v.3))
                .push_bind(fold_for(kind, &v.2));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO contacts (id, workspace_id, name, email, phone, avatar_url, avatar_color, \
         created_at, updated_at, last_interaction_at, campaign_opt_in, name_fold, email_fold, phone_digits) ",
        14,
        &b.contacts,
        |s, c| {
            s.push_bind(c.id)
                .push_bind(workspace)
                .push_bind(c.name.as_str())
                .push_bind(c.email.as_deref())
                .push_bind(c.phone.as_deref())
                .push_bind(c.avatar_url.as_deref())
                .push_bind(c.color)
                .push_bind(c.created_at)
                .push_bind(
                    now.min(
                        c.last_interaction_at
                            .unwrap_or(c.created_at)
                            .max(c.created_at),
                    ),
                )
                .push_bind(c.last_interaction_at)
                .push_bind(Flag(c.opt_in))
                .push_bind(fold_for(Kind::Text, &c.name))
                .push_bind(c.email.as_deref().map(|e| fold_for(Kind::Text, e)))
                .push_bind(c.phone.as_deref().map(digits));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO conversations (id, workspace_id, contact_id, status, created_at, last_message_at) ",
        6,
        &b.conversations,
        |s, c| {
            s.push_bind(c.0)
                .push_bind(workspace)
                .push_bind(c.1)
                .push_bind(c.2)
                .push_bind(c.3)
                .push_bind(c.4);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO conversation_field_values (conversation_id, field_id, value, number_value, value_fold) ",
        5,
        &b.conversation_values,
        |s, v| {
            s.push_bind(v.0)
                .push_bind(v.1)
                .push_bind(v.2.as_str())
                .push_bind(Number(v.3))
                .push_bind(fold_for(Kind::Text, &v.2));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO conversation_labels (conversation_id, label_id, contact_id) ",
        3,
        &b.conversation_labels,
        |s, l| {
            s.push_bind(l.0).push_bind(l.1).push_bind(l.2);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO messages (id, conversation_id, direction, body, created_at) ",
        5,
        &b.messages,
        |s, m| {
            s.push_bind(m.0)
                .push_bind(m.1)
                .push_bind(m.2)
                .push_bind(m.3.as_str())
                .push_bind(m.4);
        },
    )
    .await?;
    Ok(())
}

/// A write transaction on a bare connection (see `db::begin_write`).
async fn begin(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Sqlite => sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?,
        Backend::Postgres => {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            sqlx::query(crate::db::POSTGRES_WRITE_LOCK)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(())
}

/// Rows written with explicit ids leave PostgreSQL's id sequences behind:
/// move them past the largest id, so later inserts get fresh ones.
async fn advance_sequences(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for table in ["contacts", "conversations", "messages"] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn max_id(conn: &mut AnyConnection, table: &str) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    let (id,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *conn).await?;
    Ok(id)
}

/// Adds `opts.contacts` contacts (with conversations) to the named workspace,
/// creating it and its field definitions when missing.
pub async fn seed(pool: &AnyPool, opts: &SeedOptions) -> Result<SeedReport, DbError> {
    let started = Instant::now();
    let now = chrono::Utc::now().timestamp_millis();
    let backend = Backend::of(pool);
    let sqlite = backend == Backend::Sqlite;
    let mut conn = pool.acquire().await?;
    if sqlite {
        // Bulk loading: a big page cache; durability comes from the final commit.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *conn)
            .await?;
    }

    begin(&mut conn, backend).await?;
    let workspace = ensure_workspace(&mut conn, &opts.workspace, now).await?;
    let ids = ensure_definitions(&mut conn, workspace).await?;
    let (already,): (i64,) = sqlx::query_as("SELECT contact_count FROM workspaces WHERE id = $1")
        .bind(workspace)
        .fetch_one(&mut *conn)
        .await?;
    // The search index buffers a whole batch's terms in memory before writing
    // them out: fewer, larger segments, a third less time than the 1 MB default.
    for index in ["contact_search", "contact_search_short"]
        .into_iter()
        .filter(|_| sqlite)
    {
        sqlx::query(&format!(
            "INSERT INTO {index} ({index}, rank) VALUES ('hashsize', 33554432)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;

    let bar = if opts.progress {
        let bar = ProgressBar::new(opts.contacts);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} seeding [{bar:40}] {human_pos}/{human_len} contacts ({per_sec}, {eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let (mut conversations, mut messages) = (0u64, 0u64);
    let mut done = 0u64;
    while done < opts.contacts {
        let n = BATCH.min(opts.contacts - done);
        begin(&mut conn, backend).await?;
        crate::db::defer_foreign_keys(&mut conn, backend).await?;
        // Ids are read inside the write lock, so a running server can insert too.
        let mut next_contact = max_id(&mut conn, "contacts").await? + 1;
        let mut generator = Generator {
            ids: &ids,
            seed: opts.seed,
            now,
            next_conversation: max_id(&mut conn, "conversations").await? + 1,
            next_message: max_id(&mut conn, "messages").await? + 1,
        };
        let mut batch = Batch::default();
        for i in 0..n {
            let k = already as u64 + done + i;
            generate(&mut generator, &mut batch, k, next_contact);
            next_contact += 1;
        }
        let mut written = write_batch(&mut conn, workspace, &batch, now, ids.backup_phone).await;
        if written.is_ok() && !sqlite {
            written = advance_sequences(&mut conn).await;
        }
        if let Err(err) = written {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(err.into());
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        conversations += batch.conversations.len() as u64;
        messages += batch.messages.len() as u64;
        done += n;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    if sqlite {
        // The connection goes back to the pool: give it the server's settings again.
        for pragma in [
            "PRAGMA cache_size = -65536",
            "PRAGMA wal_autocheckpoint = 1000",
            "PRAGMA analysis_limit = 1000",
        ] {
            sqlx::query(pragma).execute(&mut *conn).await?;
        }
    }
    // Fresh statistics keep the query planner on the right indexes. On
    // PostgreSQL VACUUM also marks the new pages all-visible, so deep pages
    // are found in the sort index alone (an index-only scan).
    let analyze = if sqlite { "ANALYZE" } else { "VACUUM ANALYZE" };
    sqlx::query(analyze).execute(&mut *conn).await?;
    Ok(SeedReport {
        workspace_id: workspace,
        contacts: done,
        conversations,
        messages,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream_and_streams_differ() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::new(7, 3).next_u64(), Rng::new(7, 4).next_u64());
        assert_ne!(Rng::new(7, 3).next_u64(), Rng::new(8, 3).next_u64());
        // Neighbouring streams must not be shifted copies of each other.
        let mut a = Rng::new(1, 10);
        let mut b = Rng::new(1, 11);
        let (a1, a2) = (a.next_u64(), a.next_u64());
        let b1 = b.next_u64();
        assert_ne!(a2, b1);
        assert_ne!(a1, b1);
    }

    #[test]
    fn phones_are_e164() {
        let mut rng = Rng::new(1, 1);
        for locale in LOCALES {
            let p = phone(&mut rng, locale.phone);
            assert!(p.starts_with('+'));
            let digits = &p[1..];
            assert!(digits.chars().all(|c| c.is_ascii_digit()));
            assert!(digits.len() <= 15 && !digits.starts_with('0'), "{p}");
        }
    }

    #[test]
    fn generated_contacts_are_deterministic_and_varied() {
        let ids = Ids {
            plan: 1,
            company: 2,
            website: 3,
            lifetime_value: 4,
            interests: 5,
            renewal_date: 6,
            backup_phone: 7,
            billing_email: 8,
            priority: 9,
            channel: 10,
            csat: 11,
            order_id: 12,
            labels: vec![1, 2, 3],
        };
        let run = || {
            let mut b = Batch::default();
            let mut g = Generator {
                ids: &ids,
                seed: 42,
                now: 1_800_000_000_000,
                next_conversation: 1,
                next_message: 1,
            };
            for k in 0..500 {
                generate(&mut g, &mut b, k, k as i64 + 1);
            }
            b
        };
        let (a, b) = (run(), run());
        let names: Vec<&str> = a.contacts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            b.contacts
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
        );
        assert!(
            names.iter().any(|n| !n.is_ascii()),
            "names from many scripts"
        );
        assert!(
            a.contacts.iter().any(|c| c.last_interaction_at.is_none()),
            "some without conversations"
        );
        assert!(a
            .contacts
            .iter()
            .all(|c| c.last_interaction_at.is_none_or(|l| l >= c.created_at)));
        assert_eq!(a.messages.len(), b.messages.len());
    }
}
