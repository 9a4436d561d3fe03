//! Importing contacts from CSV (from this app or another tool): upload the file,
//! map its columns to contact fields (matched by header, adjustable), check every
//! row by the same rules as inline edits, then import with a progress bar. Rows
//! with problems are listed with their reason; the person fixes the file or
//! imports only the valid rows. An existing contact (same email, or else same
//! phone) is updated or skipped, as chosen.

use super::export::unsafe_cell;
use crate::domain::{FieldDef, FieldType};
use crate::error::AppError;
use crate::format;
use crate::validate;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Where the file is uploaded (the raw CSV as the request body).
pub const UPLOAD_PATH: &str = "/contacts/import.csv";
/// The largest file accepted unless the operator sets another.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;
pub const PREVIEW_ROWS: usize = 5;
/// Problems listed in the report; the count covers all of them.
pub const MAX_LISTED_PROBLEMS: usize = 200;
/// Rows written per transaction.
pub const BATCH_ROWS: usize = 500;

/// What a column of the file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Target {
    Skip,
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    CampaignOptIn,
    CreatedAt,
    Custom(i64),
}

impl Target {
    pub fn label(self, fields: &[FieldDef]) -> String {
        match self {
            Target::Skip => "Don't import".into(),
            Target::Name => "Name".into(),
            Target::FirstName => "First name".into(),
            Target::LastName => "Last name".into(),
            Target::Email => "Email".into(),
            Target::Phone => "Phone".into(),
            Target::CampaignOptIn => "Campaign opt-in".into(),
            Target::CreatedAt => "Created at".into(),
            Target::Custom(id) => fields
                .iter()
                .find(|f| f.id == id)
                .map(|f| f.label.clone())
                .unwrap_or_else(|| "A deleted field".into()),
        }
    }

    /// Every choice for a column, in menu order.
    pub fn all(fields: &[FieldDef]) -> Vec<Target> {
        let mut all = vec![
            Target::Skip,
            Target::Name,
            Target::FirstName,
            Target::LastName,
            Target::Email,
            Target::Phone,
            Target::CampaignOptIn,
            Target::CreatedAt,
        ];
        all.extend(fields.iter().map(|f| Target::Custom(f.id)));
        all
    }

    pub fn key(self) -> String {
        match self {
            Target::Custom(id) => format!("custom:{id}"),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v["kind"].as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }

    pub fn from_key(key: &str, fields: &[FieldDef]) -> Target {
        Target::all(fields)
            .into_iter()
            .find(|t| t.key() == key)
            .unwrap_or(Target::Skip)
    }
}

/// Letters and digits only, lower case: "E-mail Address" → "emailaddress".
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The target a header suggests: this app's own export headers, common names
/// from other tools, then custom fields by label or key.
pub fn suggest(header: &str, fields: &[FieldDef]) -> Target {
    let h = squash(header);
    match h.as_str() {
        "name" | "fullname" | "contactname" | "displayname" => return Target::Name,
        "firstname" | "givenname" | "first" => return Target::FirstName,
        "lastname" | "surname" | "familyname" | "last" => return Target::LastName,
        "email" | "emailaddress" | "mail" => return Target::Email,
        "phone" | "phonenumber" | "mobile" | "mobilenumber" | "telephone" | "tel" => {
            return Target::Phone
        }
        "campaignoptin" | "optin" | "marketingoptin" => return Target::CampaignOptIn,
        "createdat" | "created" | "createddate" => return Target::CreatedAt,
        _ => {}
    }
    fields
        .iter()
        .find(|f| squash(&f.label) == h || squash(&f.key) == h)
        .map(|f| Target::Custom(f.id))
        .unwrap_or(Target::Skip)
}

/// A row of the file as a contact, after validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportedContact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub campaign_opt_in: Option<bool>,
    pub created_at: Option<i64>,
    /// Mapped custom fields: a value, or `None` to leave the field empty.
    pub fields: Vec<ImportedValue>,
}

/// One mapped custom field of a row: which field, its type, and the value
/// (`None` leaves the field empty). The field's definition stays with the
/// mapping: copying it into every row was most of the import's allocations.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedValue {
    pub field_id: i64,
    pub field_type: FieldType,
    pub value: Option<String>,
}

fn opt_in(cell: &str) -> Result<Option<bool>, String> {
    match cell.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "on" | "subscribed" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "off" | "unsubscribed" => Ok(Some(false)),
        other => Err(format!("“{other}” is not yes or no.")),
    }
}

fn instant(cell: &str) -> Result<Option<i64>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(cell) {
        return Ok(Some(t.timestamp_millis()));
    }
    for pattern in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(cell, pattern) {
            return Ok(Some(t.and_utc().timestamp_millis()));
        }
    }
    chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d")
        .map(|d| Some(crate::filter::day_start(d)))
        .map_err(|_| format!("“{cell}” is not a date and time (write 2026-01-31T09:30:00Z)."))
}

/// The warning for a row with fewer values than the header, if it has fewer.
pub fn short_row(headers: &[String], record: &[String]) -> Option<String> {
    (record.len() < headers.len()).then(|| {
        format!(
            "This row has {} values where the header has {}: {} left empty. If a value is missing in the middle, the others have shifted.",
            record.len(),
            headers.len(),
            headers[record.len()..].join(", ")
        )
    })
}

/// Reads a file's rows as the check, the import's validation and the import
/// itself all must: each row by the mapping, and a row with the email or phone
/// of an earlier row is a problem of its own ("the same person twice"), so the
/// rows the check calls valid are the rows that get written.
pub struct RowReader<'a> {
    headers: &'a [String],
    mapping: &'a [Target],
    fields: &'a [FieldDef],
    seen: std::collections::HashMap<String, u64>,
}

impl<'a> RowReader<'a> {
    pub fn new(headers: &'a [String], mapping: &'a [Target], fields: &'a [FieldDef]) -> Self {
        RowReader {
            headers,
            mapping,
            fields,
            seen: std::collections::HashMap::new(),
        }
    }

    /// Reads the row at `line`. `Err` is the reason it cannot be imported.
    pub fn read(&mut self, line: u64, record: &[String]) -> Result<ImportedContact, String> {
        let c = read_row(self.headers, record, self.mapping, self.fields)?;
        // The same person twice in one file: say so rather than merge silently.
        for key in [
            c.email.as_deref().map(crate::filter::fold),
            c.phone.as_deref().map(crate::filter::digits),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(first) = self.seen.get(&key) {
                return Err(format!("The same email or phone as line {first}."));
            }
            self.seen.insert(key, line);
        }
        Ok(c)
    }
}

/// Reads one row by the mapping. `Err` is the reason the row cannot be imported.
pub fn read_row(
    headers: &[String],
    record: &[String],
    mapping: &[Target],
    fields: &[FieldDef],
) -> Result<ImportedContact, String> {
    if record.len() > headers.len() {
        return Err(format!(
            "This row has {} values where the header has {}: its columns may have shifted.",
            record.len(),
            headers.len()
        ));
    }
    let mut contact = ImportedContact::default();
    let (mut name, mut first, mut last) = (String::new(), String::new(), String::new());
    // A short row (values missing at its end, as many tools write rows without
    // the last fields) reads as empty there; the check reports it as a warning.
    let padded = record
        .iter()
        .map(String::as_str)
        .chain(std::iter::repeat(""));
    for ((header, raw), target) in headers.iter().zip(padded).zip(mapping) {
        let cell = unsafe_cell(raw.trim()).trim();
        let problem = |p: String| format!("{header}: {p}");
        match target {
            Target::Skip => {}
            Target::Name => name = cell.to_string(),
            Target::FirstName => first = cell.to_string(),
            Target::LastName => last = cell.to_string(),
            Target::Email => {
                contact.email = validate::optional(cell, validate::email).map_err(problem)?
            }
            Target::Phone => {
                contact.phone = validate::optional(cell, validate::phone).map_err(problem)?
            }
            Target::CampaignOptIn => contact.campaign_opt_in = opt_in(cell).map_err(problem)?,
            Target::CreatedAt => contact.created_at = instant(cell).map_err(problem)?,
            Target::Custom(id) => {
                let def = fields
                    .iter()
                    .find(|f| f.id == *id)
                    .ok_or_else(|| problem("this field no longer exists.".into()))?;
                let typed = if def.field_type == FieldType::MultiSelect && !cell.starts_with('[') {
                    // Exports join options with "; ".
                    let items: Vec<&str> = cell
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    serde_json::to_string(&items).unwrap_or_default()
                } else {
                    cell.to_string()
                };
                let value = validate::field(def, &typed).map_err(problem)?;
                contact.fields.push(ImportedValue {
                    field_id: def.id,
                    field_type: def.field_type,
                    value,
                });
            }
        }
    }
    if name.is_empty() {
        name = format!("{first} {last}").trim().to_string();
    }
    if name.is_empty() {
        name = contact
            .email
            .clone()
            .or_else(|| contact.phone.clone())
            .ok_or("This row has no name, email or phone.")?;
    }
    contact.name = validate::name(&name).map_err(|p| format!("Name: {p}"))?;
    Ok(contact)
}

/// What the upload answers: the file's columns, a preview and suggestions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub headers: Vec<String>,
    pub preview: Vec<Vec<String>>,
    pub rows: u64,
    pub mapping: Vec<Target>,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnExisting {
    #[default]
    Update,
    Skip,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub id: String,
    pub mapping: Vec<Target>,
    pub on_existing: OnExisting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

/// The dry run: how many rows are ready, which are not and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ImportCheck {
    pub rows: u64,
    pub valid: u64,
    pub problem_count: u64,
    pub problems: Vec<RowProblem>,
    /// Valid rows matching a contact already here (same email, or else phone).
    pub existing: u64,
    /// Valid rows that deserve a look (values missing at the end).
    pub warning_count: u64,
    pub warnings: Vec<RowProblem>,
}

/// How many contacts a batch (or the whole import) created, updated and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ImportProgress {
    pub rows_done: u64,
    pub rows: u64,
    pub counts: ImportCounts,
    pub finished: bool,
    pub error: Option<String>,
}

/// Where uploads wait for their import, and the imports' progress. Provided by the server.
#[derive(Clone, Default)]
pub struct ImportPlace {
    pub dir: std::path::PathBuf,
    pub progress:
        std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, ImportProgress>>>,
}

impl ImportPlace {
    /// Where a workspace's upload is written. The workspace is part of the name,
    /// so an id from another workspace finds nothing.
    pub fn upload_path(&self, workspace: i64, id: &str) -> std::path::PathBuf {
        self.dir.join(format!("{workspace}-{id}.csv"))
    }

    /// The upload's file; ids are checked so a request cannot name another path.
    pub fn file(&self, workspace: i64, id: &str) -> Result<std::path::PathBuf, AppError> {
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::NotFound("This upload".into()));
        }
        let path = self.upload_path(workspace, id);
        if !path.exists() {
            return Err(AppError::NotFound("This upload".into()));
        }
        Ok(path)
    }

    pub fn set(&self, workspace: i64, id: &str, progress: ImportProgress) {
        if let Ok(mut map) = self.progress.lock() {
            map.insert(format!("{workspace}-{id}"), progress);
        }
    }

    pub fn get(&self, workspace: i64, id: &str) -> Option<ImportProgress> {
        self.progress
            .lock()
            .ok()?
            .get(&format!("{workspace}-{id}"))
            .cloned()
    }
}

/// A record of the file with its line number.
pub type LineRecord = (u64, Vec<String>);

/// Reads the uploaded file row by row: the header, then each record with its line.
#[cfg(feature = "ssr")]
pub fn open_file(
    path: &std::path::Path,
) -> Result<(Vec<String>, impl Iterator<Item = LineRecord>), AppError> {
    let file = std::fs::File::open(path).map_err(|_| AppError::NotFound("This upload".into()))?;
    let reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let mut records = reader.into_byte_records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => h
            .iter()
            .map(|c| {
                String::from_utf8_lossy(c)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_string()
            })
            .collect(),
        _ => return Err(AppError::invalid("file", "The file is empty.")),
    };
    let rows = records.filter_map(Result::ok).map(|r| {
        let line = r.position().map_or(0, |p| p.line());
        (
            line,
            r.iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
        )
    });
    Ok((headers, rows))
}

#[cfg(feature = "ssr")]
fn place() -> Result<ImportPlace, AppError> {
    use_context::<ImportPlace>().ok_or(AppError::Internal)
}

/// Validates every row and counts the contacts that already exist.
#[server(input = Json)]
pub async fn check_import(request: ImportRequest) -> Result<ImportCheck, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        let ws = current_workspace().await?;
        let fields = store()?.contact_fields(ws.id).await?;
        let path = place()?.file(ws.id, &request.id)?;
        let (headers, rows) = open_file(&path)?;
        if request.mapping.len() != headers.len() {
            return Err(AppError::invalid(
                "mapping",
                "Choose what each column becomes.",
            ));
        }
        let mut check = ImportCheck::default();
        let mut reader = RowReader::new(&headers, &request.mapping, &fields);
        let mut batch = Vec::new();
        for (line, record) in rows {
            check.rows += 1;
            let outcome = reader.read(line, &record);
            match outcome {
                Ok(contact) => {
                    check.valid += 1;
                    if let Some(reason) = short_row(&headers, &record) {
                        check.warning_count += 1;
                        if check.warnings.len() < MAX_LISTED_PROBLEMS {
                            check.warnings.push(RowProblem { line, reason });
                        }
                    }
                    batch.push(contact);
                    if batch.len() == BATCH_ROWS {
                        check.existing += store()?.count_existing(ws.id, &batch).await?;
                        batch.clear();
                    }
                }
                Err(reason) => {
                    check.problem_count += 1;
                    if check.problems.len() < MAX_LISTED_PROBLEMS {
                        check.problems.push(RowProblem { line, reason });
                    }
                }
            }
        }
        check.existing += store()?.count_existing(ws.id, &batch).await?;
        Ok(check)
    })
    .await
}

/// Starts the import in the background; progress comes from [`get_import_progress`].
#[server(input = Json)]
pub async fn start_import(request: ImportRequest, only_valid: bool) -> Result<u64, AppError> {
    use crate::store::{current_workspace, respond, store};
    respond(async move {
        crate::accounts::require_admin()?;
        let ws = current_workspace().await?;
        let store = store()?;
        let fields = store.contact_fields(ws.id).await?;
        let place = place()?;
        let path = place.file(ws.id, &request.id)?;
        let (headers, rows) = open_file(&path)?;
        if request.mapping.len() != headers.len() {
            return Err(AppError::invalid("mapping", "Choose what each column becomes."));
        }
        // Validate first: nothing is written when rows have problems and the
        // person did not choose to import only the valid ones.
        let mut valid = 0;
        let mut reader = RowReader::new(&headers, &request.mapping, &fields);
        for (line, record) in rows {
            match reader.read(line, &record) {
                Ok(_) => valid += 1,
                Err(reason) if !only_valid => {
                    return Err(AppError::invalid(
                        "file",
                        format!("Some rows have problems ({reason}). Fix the file, or import only the valid rows."),
                    ))
                }
                Err(_) => {}
            }
        }
        place.set(ws.id, &request.id, ImportProgress { rows: valid, ..Default::default() });
        let id = request.id.clone();
        tokio::spawn(async move {
            let mut progress = ImportProgress { rows: valid, ..Default::default() };
            let result = async {
                let (headers, rows) = open_file(&path)?;
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let mut reader = RowReader::new(&headers, &request.mapping, &fields);
                let mut rows = rows.filter_map(|(line, r)| reader.read(line, &r).ok()).peekable();
                while rows.peek().is_some() {
                    batch.clear();
                    batch.extend(rows.by_ref().take(BATCH_ROWS));
                    let counts = store.import_contacts(ws.id, &batch, request.on_existing).await?;
                    progress.rows_done += batch.len() as u64;
                    progress.counts.created += counts.created;
                    progress.counts.updated += counts.updated;
                    progress.counts.skipped += counts.skipped;
                    place.set(ws.id, &id, progress.clone());
                }
                Ok::<_, AppError>(())
            }
            .await;
            progress.finished = true;
            progress.error = result.err().map(|e| e.to_string());
            place.set(ws.id, &id, progress);
            let _ = std::fs::remove_file(&path);
        });
        Ok(valid)
    })
    .await
}

#[server(input = Json)]
pub async fn get_import_progress(id: String) -> Result<ImportProgress, AppError> {
    use crate::store::{current_workspace, respond};
    respond(async move {
        crate::accounts::require_admin()?;
        let ws = current_workspace().await?;
        // Set before `start_import` answers: unknown means another workspace's or
        // a forgotten import.
        place()?
            .get(ws.id, &id)
            .ok_or_else(|| AppError::NotFound("This import".into()))
    })
    .await
}

/// A short summary of a finished import.
pub fn summary(counts: ImportCounts) -> String {
    format!(
        "{} created, {} updated, {} skipped.",
        format::count(counts.created as i64),
        format::count(counts.updated as i64),
        format::count(counts.skipped as i64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(id: i64, key: &str, label: &str, field_type: FieldType, options: &[&str]) -> FieldDef {
        FieldDef {
            id,
            key: key.into(),
            label: label.into(),
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            position: 0,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_of_this_app_and_other_tools_are_matched() {
        let fields = [def(7, "company", "Company", FieldType::Text, &[])];
        let headers = [
            "Name",
            "E-mail",
            "phone_number",
            "first_name",
            "Last Name",
            "Campaign Opt-in",
            "Created At",
            "company_name",
            "Company",
            "gender",
        ];
        let got: Vec<Target> = headers.iter().map(|h| suggest(h, &fields)).collect();
        assert_eq!(
            got,
            [
                Target::Name,
                Target::Email,
                Target::Phone,
                Target::FirstName,
                Target::LastName,
                Target::CampaignOptIn,
                Target::CreatedAt,
                Target::Skip,
                Target::Custom(7),
                Target::Skip,
            ]
        );
        for t in Target::all(&fields) {
            assert_eq!(Target::from_key(&t.key(), &fields), t);
        }
    }

    #[test]
    fn rows_are_read_by_the_mapping_and_checked_like_edits() {
        let fields = [
            def(1, "tags", "Tags", FieldType::MultiSelect, &["a", "b"]),
            def(2, "score", "Score", FieldType::Number, &[]),
        ];
        let headers = strings(&[
            "first", "last", "email", "phone", "opt", "tags", "score", "created",
        ]);
        let mapping = [
            Target::FirstName,
            Target::LastName,
            Target::Email,
            Target::Phone,
            Target::CampaignOptIn,
            Target::Custom(1),
            Target::Custom(2),
            Target::CreatedAt,
        ];
        let row = strings(&[
            "Ann",
            "Lee",
            "ann@example.com",
            "'+1 555 123 4567",
            "yes",
            "b; a",
            "12.50",
            "2026-01-02T03:04:05Z",
        ]);
        let c = read_row(&headers, &row, &mapping, &fields).unwrap();
        assert_eq!(c.name, "Ann Lee");
        assert_eq!(
            c.phone.as_deref(),
            Some("+15551234567"),
            "the export's apostrophe is removed"
        );
        assert_eq!(c.campaign_opt_in, Some(true));
        assert_eq!(c.fields[0].value.as_deref(), Some(r#"["a","b"]"#));
        assert_eq!(c.fields[1].value.as_deref(), Some("12.5"));
        assert_eq!(c.created_at, Some(1_767_323_045_000));

        let bad = strings(&["Ann", "Lee", "ann(at)example", "", "", "", "", ""]);
        let reason = read_row(&headers, &bad, &mapping, &fields).unwrap_err();
        assert!(reason.starts_with("email: "), "{reason}");
        let long = strings(&["Ann", "Lee", "", "", "", "", "", "", "extra"]);
        assert!(read_row(&headers, &long, &mapping, &fields)
            .unwrap_err()
            .contains("shifted"));
        let short = strings(&["Ann", "Lee"]);
        assert_eq!(
            read_row(&headers, &short, &mapping, &fields).unwrap().name,
            "Ann Lee"
        );
        assert!(short_row(&headers, &short)
            .unwrap()
            .contains("email, phone, opt, tags, score, created left empty"));
        let nameless = strings(&["", "", "", "", "", "", "", ""]);
        assert_eq!(
            read_row(&headers, &nameless, &mapping, &fields).unwrap_err(),
            "This row has no name, email or phone."
        );
        let email_only = strings(&["", "", "x@example.com", "", "", "", "", ""]);
        assert_eq!(
            read_row(&headers, &email_only, &mapping, &fields)
                .unwrap()
                .name,
            "x@example.com"
        );
    }
}

/// Sends the chosen file as the request body; the answer describes its columns.
#[cfg(feature = "hydrate")]
async fn send_file(file: web_sys::File) -> Result<Upload, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let offline = || AppError::Network.to_string();
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let window = web_sys::window().ok_or_else(offline)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(UPLOAD_PATH, &init))
            .await
            .map_err(|_| offline())?
            .dyn_into()
            .map_err(|_| offline())?;
    let text = JsFuture::from(response.text().map_err(|_| offline())?)
        .await
        .map_err(|_| offline())?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        crate::json::from_str(&text).map_err(|_| AppError::Internal.to_string())
    } else {
        Err(crate::json::from_str::<AppError>(&text)
            .map(|e| e.to_string())
            .unwrap_or_else(|_| AppError::Internal.to_string()))
    }
}

#[cfg(feature = "hydrate")]
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    ev.target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

#[component]
pub fn ImportButton() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button type="button" class="button" on:click=move |_| open.set(true)>"Import CSV"</button>
        <Show when=move || open.get()>
            {move || Suspend::new(import_dialog(Callback::new(move |_| open.set(false))))}
        </Show>
    }
}

/// The import dialog's code is loaded the first time someone opens it.
#[lazy]
async fn import_dialog(on_close: Callback<()>) -> AnyView {
    view! { <ImportDialog on_close/> }.into_any()
}

#[component]
fn ImportDialog(on_close: Callback<()>) -> impl IntoView {
    let upload = RwSignal::new(None::<Upload>);
    let mapping = RwSignal::new(Vec::<Target>::new());
    let on_existing = RwSignal::new(OnExisting::Update);
    let check = RwSignal::new(None::<ImportCheck>);
    let progress = RwSignal::new(None::<ImportProgress>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reload = use_context::<super::ReloadList>();

    let on_file = move |ev: leptos::ev::Event| {
        upload.set(None);
        check.set(None);
        error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(file) = chosen_file(&ev) {
            busy.set(true);
            leptos::task::spawn_local(async move {
                match send_file(file).await {
                    Ok(u) => {
                        mapping.set(u.mapping.clone());
                        upload.set(Some(u));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let request = move || {
        upload.with_untracked(|u| {
            u.as_ref().map(|u| ImportRequest {
                id: u.id.clone(),
                mapping: mapping.get_untracked(),
                on_existing: on_existing.get_untracked(),
            })
        })
    };
    let run_check = move |_| {
        let Some(req) = request() else { return };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match check_import(req).await {
                Ok(c) => check.set(Some(c)),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    let start = Callback::new(move |only_valid: bool| {
        let Some(req) = request() else { return };
        let id = req.id.clone();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match start_import(req, only_valid).await {
                Ok(rows) => {
                    progress.set(Some(ImportProgress {
                        rows,
                        ..Default::default()
                    }));
                    loop {
                        sleep_ms(400).await;
                        match get_import_progress(id.clone()).await {
                            Ok(p) => {
                                let finished = p.finished;
                                if progress.try_set(Some(p)).is_some() {
                                    return;
                                }
                                if finished {
                                    break;
                                }
                            }
                            Err(e) => {
                                error.try_set(Some(e.to_string()));
                                break;
                            }
                        }
                    }
                    if let Some(super::ReloadList(reload)) = reload {
                        reload.run(());
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.try_set(false);
        });
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };

    let columns = move || {
        upload.get().map(|u| {
            let fields = u.fields.clone();
            let rows = u
                .headers
                .iter()
                .enumerate()
                .map(|(i, header)| {
                    let sample = u
                        .preview
                        .iter()
                        .filter_map(|r| r.get(i))
                        .filter(|v| !v.trim().is_empty())
                        .take(2)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ");
                    let current = mapping.with_untracked(|m| m.get(i).copied()).unwrap_or(Target::Skip);
                    let options = Target::all(&fields)
                        .into_iter()
                        .map(|t| view! { <option value=t.key() selected=t == current>{t.label(&fields)}</option> })
                        .collect_view();
                    let fields = fields.clone();
                    let id = format!("import-column-{i}");
                    view! {
                        <tr>
                            <th scope="row"><label for=id.clone()>{header.clone()}</label></th>
                            <td class="muted small">{format::preview(&sample, 60)}</td>
                            <td>
                                <select id=id on:change=move |ev| {
                                    let target = Target::from_key(&event_target_value(&ev), &fields);
                                    mapping.update(|m| if let Some(slot) = m.get_mut(i) { *slot = target });
                                    check.set(None);
                                }>
                                    {options}
                                </select>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p>{format!("{} rows found. Choose what each column becomes:", format::count(u.rows as i64))}</p>
                <div class="table-scroll import-columns">
                    <table class="mapping">
                        <thead><tr><th scope="col">"Column"</th><th scope="col">"Example"</th><th scope="col">"Import as"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <fieldset class="editor-row">
                    <legend>"Contacts that already exist (same email, or else same phone)"</legend>
                    <label class="check">
                        <input type="radio" name="on-existing" prop:checked=move || on_existing.get() == OnExisting::Update
                            on:change=move |_| { on_existing.set(OnExisting::Update); check.set(None); }/>
                        "Update them with the file's values"
                    </label>
                    <label class="check">
                        <input type="radio" name="on-existing" prop:checked=move || on_existing.get() == OnExisting::Skip
                            on:change=move |_| { on_existing.set(OnExisting::Skip); check.set(None); }/>
                        "Skip them"
                    </label>
                </fieldset>
            }
        })
    };
    let report = move || {
        check.get().map(|c| {
            let problems = c
                .problems
                .iter()
                .map(|p| view! { <li>{format!("Line {}: {}", p.line, p.reason)}</li> })
                .collect_view();
            let more = c.problem_count.saturating_sub(c.problems.len() as u64);
            let existing = match on_existing.get_untracked() {
                OnExisting::Update => format!("{} will update existing contacts.", format::count(c.existing as i64)),
                OnExisting::Skip => format!("{} match existing contacts and will be skipped.", format::count(c.existing as i64)),
            };
            view! {
                <div class="import-report" role="status">
                    <p><strong>{format!("{} of {} rows are ready to import.", format::count(c.valid as i64), format::count(c.rows as i64))}</strong>" "{existing}</p>
                    {(c.warning_count > 0).then(|| {
                        let warnings = c
                            .warnings
                            .iter()
                            .map(|p| view! { <li>{format!("Line {}: {}", p.line, p.reason)}</li> })
                            .collect_view();
                        view! {
                            <p>{format!("{} will be imported but deserve a look:", format::plural(c.warning_count as i64, "row", "rows"))}</p>
                            <ul class="problems">{warnings}</ul>
                        }
                    })}
                    {(c.problem_count > 0).then(|| view! {
                        <p class="warning">{format!("{} problems and would not be imported:", format::plural(c.problem_count as i64, "row has", "rows have"))}</p>
                        <ul class="problems">{problems}</ul>
                        {(more > 0).then(|| view! { <p class="muted">{format!("and {} more", format::count(more as i64))}</p> })}
                        <p class="muted">"Fix the file and choose it again, or import only the valid rows."</p>
                    })}
                    <div class="dialog-actions">
                        {if c.problem_count == 0 {
                            view! { <button type="button" class="button primary" disabled=move || busy.get() on:click=move |_| start.run(false)>
                                {format!("Import {}", format::plural(c.valid as i64, "contact", "contacts"))}
                            </button> }.into_any()
                        } else {
                            view! { <button type="button" class="button primary" disabled=move || busy.get() || c.valid == 0 on:click=move |_| start.run(true)>
                                {format!("Import only the {} valid rows", format::count(c.valid as i64))}
                            </button> }.into_any()
                        }}
                    </div>
                </div>
            }
        })
    };
    let running = move || {
        progress.get().map(|p| {
            let text = if p.finished {
                match &p.error {
                    Some(e) => format!("The import stopped: {e}"),
                    None => format!("Import finished: {}", summary(p.counts)),
                }
            } else {
                format!(
                    "Importing… {} of {} rows",
                    format::count(p.rows_done as i64),
                    format::count(p.rows as i64)
                )
            };
            view! {
                <div class="import-progress" role="status" aria-live="polite">
                    <p>{text}</p>
                    <progress max=p.rows.max(1) value=p.rows_done></progress>
                </div>
            }
        })
    };

    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())></div>
        <div class="dialog wide" role="dialog" aria-modal="true" aria-labelledby="import-title" on:keydown=on_keydown>
            <h2 id="import-title">"Import contacts from CSV"</h2>
            <Show when=move || progress.with(Option::is_none) fallback=running>
                <div class="editor-row">
                    <label for="import-file">"CSV file"</label>
                    <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file disabled=move || busy.get()/>
                    <p class="muted small">
                        {format!("Up to {} MB. The first row must name the columns.", DEFAULT_MAX_BYTES / (1024 * 1024))}
                    </p>
                </div>
                {columns}
                <Show when=move || upload.with(Option::is_some) && check.with(Option::is_none)>
                    <div class="dialog-actions">
                        <button type="button" class="button primary" disabled=move || busy.get() on:click=run_check>"Check rows"</button>
                    </div>
                </Show>
                {report}
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || busy.get().then(|| view! { <p class="muted" role="status">"Working…"</p> })}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </div>
    }
}

async fn sleep_ms(ms: u32) {
    #[cfg(feature = "hydrate")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}
