//! Searching and sorting the table, against the real server and database.

mod common;

use app::contacts::total::CountContacts;
use app::contacts::ListContacts;
use common::{contact, spawn_app, spawn_app_with, TestApp};
use leptos::server_fn::ServerFn;
use serde_json::json;

/// Names of the first page for a search and sort, and the total.
async fn list(app: &TestApp, q: &str, sort: serde_json::Value, page: u32) -> (Vec<String>, i64) {
    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": page, "q": q, "sort": sort } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page = &body["Page"];
    let names = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    (names, page["total"].as_i64().unwrap())
}

fn newest() -> serde_json::Value {
    json!({ "key": "last_interaction", "descending": true })
}

async fn search(app: &TestApp, q: &str) -> (Vec<String>, i64) {
    list(app, q, newest(), 1).await
}

async fn people(app: &TestApp) {
    let ws = app.workspace("Acme").await;
    let p = &app.pool;
    contact(
        p,
        ws,
        "Jürgen Müller",
        Some("jm@example.de"),
        Some("+4915112345678"),
        1,
    )
    .await;
    contact(p, ws, "ANNA MÜLLER", None, None, 2).await;
    contact(p, ws, "Tom Muller", Some("tom@example.com"), None, 3).await;
    contact(p, ws, "José García", Some("jose@example.es"), None, 4).await;
    contact(
        p,
        ws,
        "John Smith",
        Some("john@example.com"),
        Some("+15551234567"),
        5,
    )
    .await;
    contact(p, ws, "100% Pure", Some("pure@example.com"), None, 6).await;
    contact(p, ws, "a_b c", None, None, 7).await;
    contact(p, ws, "back\\slash", None, None, 8).await;
    contact(p, ws, "王伟", Some("wei@example.cn"), None, 9).await;
}

#[tokio::test]
async fn search_is_case_insensitive_for_every_script() {
    let app = spawn_app().await;
    people(&app).await;
    let (names, total) = search(&app, "müller").await;
    assert_eq!(names, ["Jürgen Müller", "ANNA MÜLLER"]);
    assert_eq!(total, 2);
    assert_eq!(
        search(&app, "MÜLLER").await.0,
        ["Jürgen Müller", "ANNA MÜLLER"]
    );
    assert_eq!(search(&app, "josé").await.0, ["José García"]);
    assert_eq!(search(&app, "王伟").await.0, ["王伟"]);
    assert_eq!(search(&app, "伟").await.0, ["王伟"], "one character");
    assert_eq!(search(&app, "ÜL").await.1, 2, "two characters fold too");
    assert_eq!(search(&app, "Ü").await.1, 2);
}

/// Every one- and two-character search (answered by the short index) finds
/// exactly the contacts whose name, email, phone or custom values contain it,
/// compared with the same rule applied in memory.
#[tokio::test]
async fn one_and_two_character_searches_match_substrings_like_a_scan_would() {
    let app = spawn_app().await;
    app.seed(300, "Acme").await;
    // Id, name, email, phone and the folded custom values of each contact.
    type Texts = Vec<(i64, String, Option<String>, Option<String>, Option<String>)>;
    let concat = match server::db::Backend::of(&app.pool) {
        server::db::Backend::Sqlite => "group_concat(v.value_fold, ' ')",
        server::db::Backend::Postgres => "string_agg(v.value_fold, ' ')",
    };
    let texts: Texts = sqlx::query_as(&format!(
        "SELECT c.id, c.name, c.email, c.phone, \
                    (SELECT {concat} FROM contact_field_values v WHERE v.contact_id = c.id) \
             FROM contacts c"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let haystacks: Vec<String> = texts
        .iter()
        .map(|(_, name, email, phone, values)| {
            let fold = app::filter::fold;
            [
                fold(name.trim()),
                email.as_deref().map(|e| fold(e.trim())).unwrap_or_default(),
                phone.clone().unwrap_or_default(),
                values.clone().unwrap_or_default(),
            ]
            .join(" ")
        })
        .collect();
    // Every character of the names, pairs from names and emails, and pairs in
    // no contact at all.
    let mut queries: Vec<String> = Vec::new();
    for (i, (_, name, email, _, _)) in texts.iter().enumerate().step_by(7) {
        let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
        queries.extend(chars.iter().map(|c| c.to_string()));
        let source: Vec<char> = if i % 2 == 0 {
            name.chars().collect()
        } else {
            email.clone().unwrap_or_default().chars().collect()
        };
        queries.extend(
            source
                .windows(2)
                .filter(|w| !w[0].is_whitespace() && !w[1].is_whitespace())
                .map(|w| w.iter().collect::<String>().to_uppercase()),
        );
    }
    queries.extend(["qx", "ʬ", "zz", "9q"].map(String::from));
    queries.sort();
    queries.dedup();
    assert!(queries.len() > 100, "{} queries", queries.len());
    for query in &queries {
        let needle = app::filter::fold(query);
        let expected = haystacks.iter().filter(|h| h.contains(&needle)).count() as i64;
        let (names, total) = search(&app, query).await;
        assert_eq!(total, expected, "total for {query:?}");
        assert_eq!(names.len() as i64, expected.min(10), "page for {query:?}");
        for name in names {
            let matches = texts
                .iter()
                .zip(&haystacks)
                .any(|((_, n, ..), h)| *n == name && h.contains(&needle));
            assert!(matches, "{name:?} does not contain {query:?}");
        }
    }
}

/// "İ" folds to two characters, so "İİ" is too long for one short term and too
/// short for trigrams: it is still found, by the folded columns.
#[tokio::test]
async fn a_short_search_that_folds_longer_is_still_found() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(&app.pool, ws, "İİ Yılmaz", None, None, 1).await;
    contact(&app.pool, ws, "Ii Other", None, None, 2).await;
    assert_eq!(search(&app, "İİ").await.0, ["İİ Yılmaz"]);
    assert_eq!(search(&app, "İ").await.0, ["İİ Yılmaz"]);
}

/// The short index follows the app's own writes: an edited name is found by
/// its new pairs and no longer by its old ones, and a deleted contact is gone.
#[tokio::test]
async fn short_searches_follow_edits_and_deletes() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let id = contact(&app.pool, ws, "Ann Lee", None, None, 1).await;
    contact(&app.pool, ws, "Bob Stone", None, None, 2).await;
    assert_eq!(search(&app, "le").await.0, ["Ann Lee"]);
    let version = common::version(&app.pool, id).await.unwrap();
    let change =
        json!({ "field": { "kind": "name" }, "expected": "Ann Lee", "value": "Ðorđe Quix" });
    let (status, body) = app.save(id, version, vec![change]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(search(&app, "le").await.1, 0);
    assert_eq!(search(&app, "ðo").await.0, ["Ðorđe Quix"]);
    assert_eq!(search(&app, "Đ").await.0, ["Ðorđe Quix"]);
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(search(&app, "qu").await.1, 0);
    assert_eq!(search(&app, "st").await.0, ["Bob Stone"]);
}

#[tokio::test]
async fn search_matches_emails_and_phones_whatever_their_formatting() {
    let app = spawn_app().await;
    people(&app).await;
    assert_eq!(search(&app, "example.es").await.0, ["José García"]);
    assert_eq!(search(&app, "555 123").await.0, ["John Smith"]);
    assert_eq!(search(&app, "+1 (555) 123-4567").await.0, ["John Smith"]);
    assert_eq!(
        search(&app, "0151 1234").await.0,
        Vec::<String>::new(),
        "a leading 0 is not in E.164"
    );
    assert_eq!(search(&app, "1511234").await.0, ["Jürgen Müller"]);
}

#[tokio::test]
async fn wildcards_and_quotes_typed_by_users_are_literal() {
    let app = spawn_app().await;
    people(&app).await;
    assert_eq!(search(&app, "100%").await.0, ["100% Pure"]);
    assert_eq!(search(&app, "%").await.0, ["100% Pure"]);
    assert_eq!(search(&app, "_").await.0, ["a_b c"]);
    assert_eq!(search(&app, "a_b").await.0, ["a_b c"]);
    assert_eq!(search(&app, "\\").await.0, ["back\\slash"]);
    assert_eq!(search(&app, "k\\s").await.0, ["back\\slash"]);
    assert_eq!(search(&app, "\"john\" OR *").await.1, 0);
    assert_eq!(search(&app, "jo").await.0, ["José García", "John Smith"]);
}

#[tokio::test]
async fn search_finds_custom_field_text_and_follows_edits_and_deletes() {
    let app = spawn_app().await;
    app.seed(30, "Acme").await;
    let (id, company): (i64, String) = sqlx::query_as(
        "SELECT contact_id, value FROM contact_field_values v JOIN contact_field_defs d ON d.id = v.field_id \
         WHERE d.key = 'company' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE contact_field_values SET value = 'Zyxwv Holdings', value_fold = 'zyxwv holdings' WHERE contact_id = $1 AND value = $2")
        .bind(id)
        .bind(&company)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(search(&app, "zyxwv").await.1, 1);

    sqlx::query(
        "UPDATE contacts SET name = 'Quentin Qwerty', name_fold = 'quentin qwerty' WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(search(&app, "qwerty").await.0, ["Quentin Qwerty"]);
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(search(&app, "qwerty").await.1, 0);
    assert_eq!(search(&app, "zyxwv").await.1, 0);
}

#[tokio::test]
async fn search_totals_and_pages_count_only_matches_of_this_workspace() {
    let app = spawn_app().await;
    let acme = app.workspace("Acme").await;
    let other = app.workspace("Other").await;
    for i in 0..13 {
        contact(&app.pool, acme, &format!("Maria {i:02}"), None, None, i).await;
        contact(
            &app.pool,
            other,
            &format!("Maria other {i:02}"),
            None,
            None,
            i,
        )
        .await;
    }
    contact(&app.pool, acme, "Somebody Else", None, None, 50).await;
    let (first, total) = list(&app, "maria", newest(), 1).await;
    assert_eq!((first.len(), total), (10, 13));
    let (second, _) = list(&app, "maria", newest(), 2).await;
    assert_eq!(second, ["Maria 10", "Maria 11", "Maria 12"]);
    assert!(first.iter().chain(&second).all(|n| !n.contains("other")));
}

#[tokio::test]
async fn sorting_by_each_column_in_both_directions() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    contact(&app.pool, ws, "Carol", None, None, 1).await;
    contact(&app.pool, ws, "alice", None, None, 3).await;
    contact(&app.pool, ws, "Bob", None, None, 2).await;
    let sort = |key: &str, descending: bool| json!({ "key": key, "descending": descending });
    assert_eq!(
        list(&app, "", sort("last_interaction", true), 1).await.0,
        ["Carol", "Bob", "alice"]
    );
    assert_eq!(
        list(&app, "", sort("last_interaction", false), 1).await.0,
        ["alice", "Bob", "Carol"]
    );
    assert_eq!(
        list(&app, "", sort("created_at", false), 1).await.0,
        ["alice", "Bob", "Carol"]
    );
    assert_eq!(
        list(&app, "", sort("name", false), 1).await.0,
        ["alice", "Bob", "Carol"]
    );
    assert_eq!(
        list(&app, "", sort("name", true), 1).await.0,
        ["Carol", "Bob", "alice"]
    );
}

#[tokio::test]
async fn a_searched_and_sorted_page_is_rendered_by_the_server_from_the_url() {
    let app = spawn_app().await;
    people(&app).await;
    let (status, html) = app.get_html("/contacts?q=m%C3%BCller&sort=name").await;
    assert_eq!(status, 200);
    assert_eq!(common::row_ids(&html).len(), 2);
    assert!(html.contains("of 2 contacts"));
    assert!(html.contains("aria-sort=\"ascending\""));
    let (_, html) = app.get_html("/contacts?q=nobody-here").await;
    assert!(html.contains("No contacts match"));
}

#[tokio::test]
async fn quick_filters_narrow_the_list_with_and_or_and_combine_with_search() {
    let app = spawn_app().await;
    people(&app).await;
    let call = |filter: serde_json::Value, q: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .call(
                    ListContacts::PATH,
                    json!({ "query": { "page": 1, "q": q, "sort": { "key": "name", "descending": false }, "filter": filter } }),
                )
                .await;
            (status, body)
        }
    };
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["Page"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    let muller = json!({ "field": { "kind": "name" }, "op": "contains", "value": { "type": "text", "value": "MÜLLER" } });
    let has_email = json!({ "field": { "kind": "email" }, "op": "is_not_empty" });
    let (status, body) = call(
        json!({ "join": "all", "conditions": [muller, has_email] }),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Jürgen Müller"]);
    assert_eq!(body["Page"]["total"], 1);

    let (_, body) = call(
        json!({ "join": "any", "conditions": [muller, has_email] }),
        "",
    )
    .await;
    assert_eq!(body["Page"]["total"], 7);

    let (_, body) = call(json!({ "join": "any", "conditions": [muller] }), "anna").await;
    assert_eq!(
        names(&body),
        ["ANNA MÜLLER"],
        "search and filter both apply"
    );
}

#[tokio::test]
async fn an_invalid_filter_is_refused_with_a_message_for_its_condition() {
    let app = spawn_app().await;
    people(&app).await;
    let bad = json!({ "join": "all", "conditions": [
        { "field": { "kind": "name" }, "op": "is_not_empty" },
        { "field": { "kind": "custom", "id": 4242 }, "op": "is_empty" }
    ] });
    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": 1, "q": "", "sort": newest(), "filter": bad } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "condition-1");
    assert_eq!(
        body["Invalid"]["message"],
        "Filter condition 2: This field no longer exists."
    );

    let wrong_op = json!({ "join": "all", "conditions": [
        { "field": { "kind": "created_at" }, "op": "contains", "value": { "type": "text", "value": "x" } }
    ] });
    let (status, body) = app
        .call(
            ListContacts::PATH,
            json!({ "query": { "page": 1, "q": "", "sort": newest(), "filter": wrong_op } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The page itself explains it and offers a way out, with no error page.
    let f = "%7B%22join%22%3A%22all%22%2C%22conditions%22%3A%5B%7B%22field%22%3A%7B%22kind%22%3A%22custom%22%2C%22id%22%3A4242%7D%2C%22op%22%3A%22is_empty%22%7D%5D%7D";
    let (status, html) = app.get_html(&format!("/contacts?f={f}")).await;
    assert_eq!(status, 422);
    assert!(html.contains("This filter cannot be applied"));
    assert!(html.contains("This field no longer exists."));
    assert!(html.contains("Clear filters"));
}

/// 2,100 matches of a long term (common), and of a two-character one: moderate
/// by default, common when the store calls more than 2,050 many. Every plan
/// gives the same pages and total.
#[tokio::test]
async fn a_common_term_pages_and_counts_the_same_as_a_rare_one() {
    common_term_pages(spawn_app().await).await;
    // Counted every time, so the totals after the statistics are counted anew.
    common_term_pages(
        spawn_app_with(|store| store.with_many_matches(2_050).without_count_cache()).await,
    )
    .await;
}

async fn common_term_pages(app: TestApp) {
    let ws = app.workspace("Acme").await;
    // More matches than the search lists by id, so the table is walked instead.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at) \
         SELECT $1, 'Maria ' || i, 'maria ' || i, '#000', i, i, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 10 END FROM n",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    contact(&app.pool, ws, "Somebody Else", None, None, 1).await;
    // Before and after the database's statistics know how common the terms
    // are: with them, PostgreSQL checks a frequent short term row by row.
    for analyzed in [false, true] {
        if analyzed {
            sqlx::query("ANALYZE contacts")
                .execute(&app.pool)
                .await
                .unwrap();
        }
        for term in ["maria", "ar"] {
            let (first, total) = search(&app, term).await;
            assert_eq!(total, 2100, "{term}, analyzed: {analyzed}");
            assert_eq!(first[..3], ["Maria 2099", "Maria 2098", "Maria 2097"]);
            let (last, _) = list(&app, term, newest(), 210).await;
            assert_eq!(last.len(), 10);
            assert!(last.iter().all(|n| n.starts_with("Maria ")));
            // Contacts without messages come last, by id descending.
            assert_eq!(last[9], "Maria 7", "{term}, analyzed: {analyzed}");
        }
    }
}

/// A common term is counted in its index when its workspace is the only one
/// with contacts, and by visiting the contacts otherwise: both exact.
#[tokio::test]
async fn a_common_terms_total_is_exact_alone_and_beside_another_workspace() {
    // Counted every time: a remembered total would hide which way it was counted.
    common_terms_totals(spawn_app_with(|store| store.without_count_cache()).await).await;
}

/// Counted in two halves of the ids side by side (as large workspaces are on
/// SQLite), a total is the same: alone, the halves meet inside the workspace's
/// own contacts, so a contact at the seam counted twice or not at all shows.
#[tokio::test]
async fn a_total_counted_in_two_halves_is_exact_alone_and_beside_another_workspace() {
    common_terms_totals(
        spawn_app_with(|store| store.without_count_cache().with_split_counts_from(0)).await,
    )
    .await;
}

async fn common_terms_totals(app: TestApp) {
    let acme = app.workspace("Acme").await;
    let insert = |ws: i64, n: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
                 INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at) \
                 SELECT $2, 'Maria ' || i, 'maria ' || i, '#000', i, i FROM n",
            )
            .bind(n)
            .bind(ws)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    insert(acme, 2_300).await;
    for term in ["maria", "ar"] {
        assert_eq!(search(&app, term).await.1, 2_300, "{term} alone");
    }
    // A filter is counted by visiting the contacts: 1, 10–19, 100–199 and 1000–1999.
    let filter = json!({ "join": "all", "conditions": [{
        "field": { "kind": "name" }, "op": "contains",
        "value": { "type": "text", "value": "maria 1" },
    }] });
    let (status, body) = app
        .call(
            CountContacts::PATH,
            json!({ "query": { "page": 1, "q": "", "filter": filter } }),
        )
        .await;
    assert_eq!((status, body.as_i64()), (200, Some(1_111)), "{body}");
    let other = app.workspace("Other").await;
    insert(other, 2_500).await;
    for term in ["maria", "ar"] {
        assert_eq!(search(&app, term).await.1, 2_300, "{term} beside another");
    }
}

/// In a workspace too big to count with every page, a page whose total needs a
/// count comes without it, and `count_contacts` answers it separately; totals
/// that cost nothing still come with the page.
#[tokio::test]
async fn an_expensive_total_follows_the_page_and_equals_the_count() {
    let app = spawn_app_with(|store| store.with_inline_count_max(0)).await;
    let ws = app.workspace("Acme").await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at) \
         SELECT $1, 'Maria ' || i, 'maria ' || i, '#000', i, i, i * 10 FROM n",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    contact(&app.pool, ws, "Somebody Else", None, None, 1).await;
    let page = |q: &'static str, page: u32| {
        let app = &app;
        async move {
            let (status, body) = app
                .call(
                    ListContacts::PATH,
                    json!({ "query": { "page": page, "q": q, "sort": newest() } }),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let rows = body["Page"]["rows"].as_array().unwrap().len();
            (rows, body["Page"]["total"].as_i64())
        }
    };
    assert_eq!(
        page("maria", 1).await,
        (10, None),
        "a common term is counted apart"
    );
    assert_eq!(page("maria", 210).await, (10, None));
    assert_eq!(
        page("", 1).await,
        (10, Some(2101)),
        "the kept total is free"
    );
    assert_eq!(page("somebody", 1).await, (1, Some(1)), "a short last page");
    assert_eq!(
        page("maria 20", 1).await,
        (10, Some(111)),
        "few matches are cheap"
    );

    let (status, body) = app
        .call(
            CountContacts::PATH,
            json!({ "query": { "page": 1, "q": "maria" } }),
        )
        .await;
    assert_eq!((status, body.as_i64()), (200, Some(2100)), "{body}");
    assert_eq!(
        page("maria", 2).await,
        (10, Some(2100)),
        "once counted, the total is remembered until something changes"
    );

    // The server's HTML does not wait for the count either.
    let (status, html) = app.get_html("/contacts?q=ari&page=3").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("counting…"),
        "footer says the total is on its way"
    );
}

#[tokio::test]
async fn sorting_by_a_custom_field_puts_empty_values_last_in_both_directions() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let field = |key: &'static str, t: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64,)>(
                "INSERT INTO contact_field_defs (workspace_id, key, label, field_type, options, position) \
                 VALUES ($1, $2, $3, $4, '[]', 1) RETURNING id",
            )
            .bind(ws)
            .bind(key)
            .bind(key)
            .bind(t)
            .fetch_one(&pool)
            .await
            .unwrap()
            .0
        }
    };
    let score = field("score", "number").await;
    let company = field("company", "text").await;
    let mut ids = Vec::new();
    for (name, age) in [("A", 1), ("B", 2), ("C", 3), ("D", 4)] {
        ids.push(contact(&app.pool, ws, name, None, None, age).await);
    }
    // Scores 10, 9.5, none, 100; companies "beta", "Alpha", "gamma", none.
    for (id, number, text) in [
        (ids[0], Some(10.0), Some("beta")),
        (ids[1], Some(9.5), Some("Alpha")),
        (ids[2], None, Some("gamma")),
        (ids[3], Some(100.0), None),
    ] {
        if let Some(n) = number {
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(score).bind(n.to_string()).bind(n).bind(n.to_string())
                .execute(&app.pool).await.unwrap();
        }
        if let Some(t) = text {
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, value_fold) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(company).bind(t).bind(t.to_lowercase())
                .execute(&app.pool).await.unwrap();
        }
    }
    let by =
        |id: i64, descending: bool| json!({ "key": { "field": id }, "descending": descending });
    assert_eq!(
        list(&app, "", by(score, false), 1).await.0,
        ["B", "A", "D", "C"],
        "numbers, not text"
    );
    assert_eq!(
        list(&app, "", by(score, true), 1).await.0,
        ["D", "A", "B", "C"]
    );
    assert_eq!(
        list(&app, "", by(company, false), 1).await.0,
        ["B", "A", "C", "D"],
        "case-insensitive"
    );
    assert_eq!(
        list(&app, "", by(company, true), 1).await.0,
        ["C", "A", "B", "D"]
    );
    let (_, html) = app
        .get_html(&format!("/contacts?sort=-field:{score}"))
        .await;
    assert!(html.contains("aria-sort=\"descending\""));
    // A deleted field falls back to the default order instead of failing.
    assert_eq!(
        list(&app, "", by(987_654, false), 1).await.0,
        ["A", "B", "C", "D"]
    );
}

/// Every page of a custom-field sort, in both directions, with and without a
/// short search, equals a sort done in memory: values in order (ties by id),
/// then contacts without a value by id.
#[tokio::test]
async fn custom_field_sorts_walk_every_page_in_the_right_order() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let score = common::field_def(&app.pool, ws, "score", "number", &[]).await;
    let city = common::field_def(&app.pool, ws, "city", "text", &[]).await;
    let cities = ["Oslo", "bergen", "Åre", "", "oslo", "Zürich", "  "];
    let mut expected_rows = Vec::new();
    for i in 0..47_i64 {
        let name = format!("P{i:02}{}", if i % 3 == 0 { "a" } else { "" });
        let id = contact(&app.pool, ws, &name, None, None, i).await;
        let number = (i % 5 != 0).then(|| ((i * 37) % 11) as f64 / 2.0);
        if let Some(n) = number {
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, number_value, value_fold) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(score).bind(n.to_string()).bind(n).bind(n.to_string())
                .execute(&app.pool).await.unwrap();
        }
        let text = (i % 4 != 0).then(|| cities[(i as usize * 5) % cities.len()]);
        if let Some(t) = text {
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, value_fold) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(city).bind(t).bind(app::filter::fold_for(app::filter::Kind::Text, t))
                .execute(&app.pool).await.unwrap();
        }
        let fold = text
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        expected_rows.push((id, name, number, fold));
    }
    for q in ["", "a"] {
        for (field, numeric) in [(score, true), (city, false)] {
            for descending in [false, true] {
                let mut rows: Vec<_> = expected_rows
                    .iter()
                    .filter(|r| q.is_empty() || r.1.to_lowercase().contains(q))
                    .cloned()
                    .collect();
                rows.sort_by(|a, b| {
                    let key = |r: &(i64, String, Option<f64>, Option<String>)| {
                        if numeric {
                            (
                                r.2.is_none(),
                                r.2.map(|n| (n * 100.0) as i64).unwrap_or(0),
                                String::new(),
                            )
                        } else {
                            (r.3.is_none(), 0, r.3.clone().unwrap_or_default())
                        }
                    };
                    let (ea, va, ta) = key(a);
                    let (eb, vb, tb) = key(b);
                    let by_value = (va, ta, a.0).cmp(&(vb, tb, b.0));
                    ea.cmp(&eb).then(if descending {
                        by_value.reverse()
                    } else {
                        by_value
                    })
                });
                let expected: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
                let mut got = Vec::new();
                for page in 1..=5 {
                    let sort = json!({ "key": { "field": field }, "descending": descending });
                    let (names, total) = list(&app, q, sort, page).await;
                    assert_eq!(total as usize, expected.len());
                    got.extend(names);
                }
                assert_eq!(
                    got, expected,
                    "q={q:?} numeric={numeric} descending={descending}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_remembered_total_follows_every_change_to_the_contacts() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    for i in 0..12 {
        contact(&app.pool, ws, &format!("Ann {i}"), None, None, i).await;
    }
    assert_eq!(search(&app, "ann").await.1, 12);
    // Page 2 reuses the total counted for page 1.
    let (names, total) = list(&app, "ann", newest(), 2).await;
    assert_eq!((names.len(), total), (2, 12));
    // Another process adds one: the change counter moves, the total follows.
    contact(&app.pool, ws, "Ann New", None, None, 20).await;
    assert_eq!(list(&app, "ann", newest(), 2).await.1, 13);
    sqlx::query("DELETE FROM contacts WHERE name IN ('Ann 1', 'Ann 2')")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(search(&app, "ann").await.1, 11);
}

/// Saves leave merging the search indexes to a task of the server's (inside
/// a save it cost 20–60 ms now and then): once it ran, the indexes are
/// smaller, and search finds the contacts' new text and not their old.
#[tokio::test]
async fn search_indexes_are_merged_between_requests_and_still_find_edited_contacts() {
    if common::postgres_server().is_some() {
        return; // PostgreSQL's search indexes need no merging.
    }
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let email = format!("p{i}@old.example");
        ids.push(contact(&app.pool, ws, &format!("Person {i}"), Some(&email), None, i).await);
    }
    // Each write is a transaction, and so a segment in both indexes.
    for (i, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE contacts SET email = $1, email_fold = $1 WHERE id = $2")
            .bind(format!("p{i}@new.example"))
            .bind(id)
            .execute(&app.pool)
            .await
            .expect("update");
    }
    let pages = || async {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM contact_search_data) \
                  + (SELECT COUNT(*) FROM contact_search_short_data)",
        )
        .fetch_one(&app.pool)
        .await
        .expect("index pages");
        n
    };
    let unmerged = pages().await;
    server::db::merge_search_in_background(&app.pool);
    tokio::time::sleep(server::db::SEARCH_MERGE_EVERY * 8).await;
    let merged = pages().await;
    assert!(
        merged < unmerged,
        "the indexes were not merged: {merged} pages, {unmerged} before"
    );
    let (_, total) = list(&app, "new.example", newest(), 1).await;
    assert_eq!(total, 20);
    let (_, total) = list(&app, "old.example", newest(), 1).await;
    assert_eq!(total, 0);
}

/// What `SHOW setting` answers on each of three connections held at once (so
/// every connection of the pool, not only the first one), on PostgreSQL only.
async fn shown_on_each_connection(setting: &str) -> Option<Vec<String>> {
    let app = spawn_app().await;
    if server::db::Backend::of(&app.pool) != server::db::Backend::Postgres {
        return None;
    }
    let mut held = Vec::new();
    let mut shown = Vec::new();
    for _ in 0..3 {
        let mut conn = app.pool.acquire().await.unwrap();
        let (value,): (String,) = sqlx::query_as(&format!("SHOW {setting}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        shown.push(value);
        held.push(conn);
    }
    Some(shown)
}

/// PostgreSQL plans each search for its own values: a plan kept for any term
/// made a common term's pages 20 times slower after a few searches.
#[tokio::test]
async fn postgres_connections_plan_every_statement_for_its_values() {
    if let Some(shown) = shown_on_each_connection("plan_cache_mode").await {
        assert_eq!(shown, ["force_custom_plan"; 3]);
    }
}

/// PostgreSQL runs large counts without compiling them first: compiling cost
/// every parallel count of a million rows more than it saved.
#[tokio::test]
async fn postgres_connections_count_without_compiling_the_statement() {
    if let Some(shown) = shown_on_each_connection("jit").await {
        assert_eq!(shown, ["off"; 3]);
    }
}
