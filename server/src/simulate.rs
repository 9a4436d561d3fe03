//! `contacts simulate`: realistic incoming traffic through the HTTP API, so Live
//! mode can be watched working. New people open conversations, known ones write
//! again, agents reply; it stops by itself after its duration.

use crate::seed::{message_text, person, Rng};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub struct SimulateOptions {
    /// The server, e.g. `http://127.0.0.1:3000`.
    pub url: String,
    /// An API token of the workspace.
    pub token: String,
    /// Requests per second.
    pub rate: f64,
    pub duration: Duration,
    pub seed: u64,
}

#[derive(Debug, Default)]
pub struct SimulateReport {
    /// Contacts the simulation created, in order.
    pub new_contacts: Vec<i64>,
    pub conversations: u64,
    pub messages: u64,
    pub failures: u64,
}

/// In a row, this many failed requests end the simulation: the server is gone.
const MAX_FAILURES_IN_A_ROW: u64 = 10;

/// Runs the simulation; `on_new_contact` hears of each contact it creates.
pub async fn run(
    opts: &SimulateOptions,
    mut on_new_contact: impl FnMut(i64),
) -> Result<SimulateReport, String> {
    if !(opts.rate > 0.0 && opts.rate <= 1_000.0) {
        return Err("The rate is between 0 and 1,000 requests per second.".into());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let base = opts.url.trim_end_matches('/').to_string();
    let mut rng = Rng::new(opts.seed, chrono::Utc::now().timestamp_millis() as u64);
    // Emails stay unique across runs: the person's number starts from the clock.
    let first = chrono::Utc::now().timestamp_millis() as u64 * 1_000;
    let mut conversations: Vec<i64> = Vec::new();
    let mut report = SimulateReport::default();
    let mut in_a_row = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / opts.rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut k = 0;
    while started.elapsed() < opts.duration {
        ticker.tick().await;
        k += 1;
        let (path, body) = if conversations.is_empty() || rng.chance(30) {
            let someone = person(&mut rng, first + k);
            // Incoming traffic is known by email or phone; someone with neither
            // writes from a channel's generated address.
            let email = match (&someone.email, &someone.phone) {
                (None, None) => Some(format!("guest{}@chat.example", first + k)),
                (email, _) => email.clone(),
            };
            let contact = json!({
                "name": someone.name,
                "email": email,
                "phone": if email.is_none() { someone.phone.clone() } else { None },
            });
            let message = json!({ "body": message_text(&mut rng, true) });
            (
                "/api/v1/conversations".to_string(),
                json!({ "contact": contact, "message": message }),
            )
        } else {
            let conversation = *rng.pick(&conversations);
            let incoming = rng.chance(75);
            (
                format!("/api/v1/conversations/{conversation}/messages"),
                json!({
                    "body": message_text(&mut rng, incoming),
                    "direction": if incoming { "incoming" } else { "outgoing" },
                }),
            )
        };
        let answer = client
            .post(format!("{base}{path}"))
            .bearer_auth(&opts.token)
            .json(&body)
            .send()
            .await;
        let ok = match answer {
            Ok(res) if res.status().is_success() => {
                let value: Value = res.json().await.unwrap_or_default();
                if value["contact_created"] == true {
                    if let Some(id) = value["contact_id"].as_i64() {
                        report.new_contacts.push(id);
                        on_new_contact(id);
                    }
                }
                if let Some(id) = value["id"]
                    .as_i64()
                    .filter(|_| path.ends_with("conversations"))
                {
                    conversations.push(id);
                    report.conversations += 1;
                }
                report.messages += 1;
                true
            }
            Ok(res) if res.status() == reqwest::StatusCode::UNAUTHORIZED => {
                return Err("The server refused the API token.".into());
            }
            Ok(res) => {
                tracing::warn!(status = %res.status(), %path, "simulated request failed");
                false
            }
            Err(err) => {
                tracing::warn!(%err, %path, "simulated request failed");
                false
            }
        };
        if ok {
            in_a_row = 0;
        } else {
            report.failures += 1;
            in_a_row += 1;
            if in_a_row >= MAX_FAILURES_IN_A_ROW {
                return Err(format!(
                    "{MAX_FAILURES_IN_A_ROW} requests in a row failed: is the server at {base} running?"
                ));
            }
        }
    }
    Ok(report)
}
