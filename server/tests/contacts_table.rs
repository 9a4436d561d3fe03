//! The All Contacts table, served by the real server over a real database.

mod common;

use app::contacts::{details::GetContactDetails, ListContacts};
use common::{row_ids, spawn_app};
use leptos::server_fn::ServerFn;

#[tokio::test]
async fn a_database_without_accounts_says_how_to_create_the_first_admin() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/signin").await;
    assert_eq!(status, 200);
    assert!(html.contains("No one can sign in yet"));
    assert!(html.contains("contacts user add"));
}

#[tokio::test]
async fn the_root_leads_to_all_contacts() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.url().path(), "/contacts");
}

#[tokio::test]
async fn the_first_page_is_rendered_on_the_server_with_ten_rows_and_the_total() {
    let app = spawn_app().await;
    app.seed(25, "Acme").await;
    let (status, html) = app.get_html("/contacts").await;
    assert_eq!(status, 200);
    assert_eq!(row_ids(&html).len(), 10);
    assert!(html.contains("Showing 1–10 of 25 contacts"), "footer total");
    for header in [
        "Email",
        "Phone",
        "Created At",
        "Last Interaction",
        "Campaign Opt-in",
        "Plan",
        "Priority",
    ] {
        assert!(html.contains(&format!(">{header}<")), "column {header}");
    }
}

#[tokio::test]
async fn pages_follow_last_interaction_newest_first_without_gaps_or_repeats() {
    let app = spawn_app().await;
    app.seed(25, "Acme").await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (_, html) = app.get_html(&format!("/contacts?page={page}")).await;
        seen.extend(row_ids(&html));
    }
    let expected: Vec<i64> = sqlx::query_as::<_, (i64,)>(
        "SELECT id FROM contacts ORDER BY last_interaction_at IS NULL, last_interaction_at DESC, id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id,)| id)
    .collect();
    assert_eq!(seen, expected);
    let (_, html) = app.get_html("/contacts?page=3").await;
    assert!(html.contains("Showing 21–25 of 25 contacts"));
}

#[tokio::test]
async fn a_page_past_the_end_or_a_bad_page_number_is_not_an_error() {
    let app = spawn_app().await;
    app.seed(5, "Acme").await;
    let (status, _) = app.get_html("/contacts?page=99").await;
    assert_eq!(status, 200);
    let (status, html) = app.get_html("/contacts?page=banana").await;
    assert_eq!(status, 200);
    assert_eq!(row_ids(&html).len(), 5);
}

#[tokio::test]
async fn the_list_server_function_returns_the_requested_page() {
    let app = spawn_app().await;
    app.seed(15, "Acme").await;
    let (status, body) = app
        .call(
            ListContacts::PATH,
            serde_json::json!({ "query": { "page": 2 } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page = &body["Page"];
    assert_eq!(page["rows"].as_array().unwrap().len(), 5);
    assert_eq!(page["total"], 15);
    assert_eq!(page["page"], 2);
}

#[tokio::test]
async fn the_drawer_shows_a_contacts_profile_and_conversations_from_the_url() {
    let app = spawn_app().await;
    app.seed(40, "Acme").await;
    let (id, name): (i64, String) = sqlx::query_as(
        "SELECT c.id, c.name FROM contacts c WHERE EXISTS \
         (SELECT 1 FROM conversations v WHERE v.contact_id = c.id) ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (status, html) = app.get_html(&format!("/contacts?contact={id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("role=\"dialog\""));
    assert!(html.contains(&name), "drawer shows the name");
    assert!(
        html.contains("class=\"conversation\""),
        "drawer lists conversations"
    );
    assert!(html.contains("class=\"message"), "with their messages");

    let (status, body) = app
        .call(GetContactDetails::PATH, serde_json::json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["contact"]["id"], id);
    let conversations = body["conversations"].as_array().unwrap();
    assert!(!conversations.is_empty());
    assert!(conversations[0]["messages"].as_array().unwrap().len() <= 3);
}

#[tokio::test]
async fn a_contact_of_another_workspace_is_not_found() {
    let app = spawn_app().await;
    app.seed(5, "Acme").await;
    let other = app.seed(5, "Globex").await;
    let (foreign,): (i64,) =
        sqlx::query_as("SELECT id FROM contacts WHERE workspace_id = $1 LIMIT 1")
            .bind(other)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, body) = app
        .call(
            GetContactDetails::PATH,
            serde_json::json!({ "id": foreign }),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["NotFound"], "This contact", "{body}");
}

#[tokio::test]
async fn workspaces_do_not_see_each_others_contacts() {
    let app = spawn_app().await;
    app.seed(12, "Acme").await;
    app.seed(30, "Globex").await;
    let (_, html) = app.get_html("/contacts").await;
    assert!(html.contains("of 12 contacts"));
    let acme: Vec<i64> =
        sqlx::query_as::<_, (i64,)>("SELECT id FROM contacts WHERE workspace_id = 1")
            .fetch_all(&app.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(id,)| id)
            .collect();
    assert!(row_ids(&html).iter().all(|id| acme.contains(id)));
}

#[tokio::test]
async fn an_unreachable_database_shows_an_error_a_person_understands() {
    let app = spawn_app().await;
    app.seed(5, "Acme").await;
    app.pool.close().await;
    let (status, html) = app.get_html("/contacts").await;
    assert_eq!(status, 503);
    assert!(html.contains("Contacts could not be loaded"));
    assert!(html.contains("cannot be reached"));
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("sqlx") && !lower.contains("pool"),
        "no internals"
    );
}

#[tokio::test]
async fn an_unknown_address_is_a_404_page() {
    let app = spawn_app().await;
    app.workspace("Acme").await;
    let (status, html) = app.get_html("/nowhere").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn generated_avatars_are_served_as_svg() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/avatars/7.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let res = app
        .client
        .get(app.url("/avatars/evil.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The ids of the rows `ListContacts` answers for a list query, in order.
async fn listed_ids(app: &common::TestApp, query: serde_json::Value) -> Vec<i64> {
    let (status, body) = app
        .call(ListContacts::PATH, serde_json::json!({ "query": query }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["Page"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

/// Pages past the thousandth row are found by ids first: they must be the
/// same rows, in the same order, as the plain query's, in every built-in sort.
#[tokio::test]
async fn deep_pages_hold_the_same_rows_as_offset_paging_in_every_order() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1040) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at) \
         SELECT $1, 'P' || (i % 97), 'p' || (i % 97), '#000', i % 13, i, \
                CASE WHEN i % 5 = 0 THEN NULL ELSE i % 31 END FROM n",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    let orders = [
        (
            "last_interaction",
            true,
            "last_interaction_at IS NULL, last_interaction_at DESC, id DESC",
        ),
        (
            "last_interaction",
            false,
            "last_interaction_at IS NOT NULL, last_interaction_at ASC, id ASC",
        ),
        ("created_at", true, "created_at DESC, id DESC"),
        ("name", false, "lower(name) ASC, id ASC"),
    ];
    for (key, descending, order) in orders {
        let expected = ids_in_order(&app, "TRUE", order, 1000, 40).await;
        let mut seen = Vec::new();
        for page in 101..=105 {
            let query = serde_json::json!({ "page": page, "q": "", "sort": { "key": key, "descending": descending } });
            seen.extend(listed_ids(&app, query).await);
        }
        assert_eq!(seen, expected, "{key} descending={descending}");
    }
}

/// A filter whose date range holds few contacts is read from the range (on
/// SQLite, below 5,000 contacts in it), a wide one by walking the list's order:
/// both must list the same rows as the plain query, in the list's order.
#[tokio::test]
async fn filters_on_narrow_and_wide_date_ranges_list_their_matches_in_the_list_order() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    // 6,000 contacts a minute apart from 2026-01-01, interactions shuffled.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 5999) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, \
                               last_interaction_at, campaign_opt_in) \
         SELECT $1, 'P' || i, 'p' || i, '#000', 1767225600000 + i * 60000, 1, \
                CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7919) % 6000) * 1000 END, i % 2 FROM n",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    let day_ms: i64 = 86_400_000;
    let jan = |d: i64| 1767225600000 + (d - 1) * day_ms;
    let cases = [
        (
            serde_json::json!({ "field": { "kind": "created_at" }, "op": "on", "value": { "type": "date", "value": "2026-01-02" } }),
            (jan(2), jan(3)),
        ),
        (
            serde_json::json!({ "field": { "kind": "created_at" }, "op": "between", "value": { "type": "range", "value": ["2026-01-01", "2026-01-05"] } }),
            (jan(1), jan(6)),
        ),
    ];
    for (date_condition, (from, before)) in cases {
        let expected: Vec<i64> = sqlx::query_as::<_, (i64,)>(
            "SELECT id FROM contacts WHERE created_at >= $1 AND created_at < $2 AND campaign_opt_in = 1 \
             ORDER BY last_interaction_at IS NULL, last_interaction_at DESC, id DESC LIMIT 30",
        )
        .bind(from)
        .bind(before)
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(id,)| id)
        .collect();
        assert_eq!(expected.len(), 30);
        let filter = serde_json::json!({ "join": "all", "conditions": [
            date_condition,
            { "field": { "kind": "campaign_opt_in" }, "op": "is", "value": { "type": "bool", "value": true } },
        ] });
        let mut seen = Vec::new();
        for page in 1..=3 {
            let query = serde_json::json!({ "page": page, "q": "", "filter": filter });
            seen.extend(listed_ids(&app, query).await);
        }
        assert_eq!(seen, expected, "{filter}");
    }
}

/// The ids of rows `offset..offset + n` of the whole workspace in `order`, by
/// the plain query.
async fn ids_in_order(
    app: &common::TestApp,
    filter: &str,
    order: &str,
    offset: u64,
    n: u64,
) -> Vec<i64> {
    sqlx::query_as::<_, (i64,)>(&format!(
        "SELECT id FROM contacts WHERE {filter} ORDER BY {order} LIMIT {n} OFFSET {offset}"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id,)| id)
    .collect()
}

/// `count` contacts with many ties in every order; the first `interacted`
/// have a last interaction, and every other one is opted in.
async fn many_contacts(app: &common::TestApp, ws: i64, count: i64, interacted: i64) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < CAST($2 AS BIGINT)) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, \
                               last_interaction_at, campaign_opt_in) \
         SELECT $1, 'P' || (i % 89), 'p' || (i % 89), '#000', i % 17, i, \
                CASE WHEN i <= CAST($3 AS BIGINT) THEN i % 300 ELSE NULL END, i % 2 FROM n",
    )
    .bind(ws)
    .bind(count)
    .bind(interacted)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// The last-interaction orders as the page sorts them and as plain SQL does.
const LAST_INTERACTION_ORDERS: [(&str, bool, &str); 2] = [
    (
        "last_interaction",
        true,
        "last_interaction_at IS NULL, last_interaction_at DESC, id DESC",
    ),
    (
        "last_interaction",
        false,
        "last_interaction_at IS NOT NULL, last_interaction_at ASC, id ASC",
    ),
];

fn opted_in() -> serde_json::Value {
    serde_json::json!({ "join": "all", "conditions": [
        { "field": { "kind": "campaign_opt_in" }, "op": "is", "value": { "type": "bool", "value": true } },
    ] })
}

/// Asserts that each page, in each order (the page's sort key, direction, and
/// the same order in SQL), lists what the plain query lists; the
/// `opted_in_pages` also under the opt-in filter.
async fn deep_pages_match(
    app: &common::TestApp,
    orders: &[(&str, bool, &str)],
    pages: &[u64],
    opted_in_pages: &[u64],
    round: &str,
) {
    let filter = opted_in();
    for (key, descending, order) in orders {
        let sort = serde_json::json!({ "key": key, "descending": descending });
        for page in pages {
            let query = serde_json::json!({ "page": page, "q": "", "sort": sort });
            assert_eq!(
                listed_ids(app, query).await,
                ids_in_order(app, "TRUE", order, (page - 1) * 10, 10).await,
                "{round}: {key} descending={descending} page {page}"
            );
        }
        for page in opted_in_pages {
            let query =
                serde_json::json!({ "page": page, "q": "", "sort": sort, "filter": filter });
            assert_eq!(
                listed_ids(app, query).await,
                ids_in_order(app, "campaign_opt_in = 1", order, (page - 1) * 10, 10).await,
                "{round}, opted in: {key} descending={descending} page {page}"
            );
        }
    }
}

/// Deep pages start from remembered marks (every thousandth row): across marks,
/// across the step from contacts with an interaction to those without, past the
/// end, under a filter, and after contacts are added, edited and deleted, they
/// must list what the plain query lists.
#[tokio::test]
async fn deep_pages_from_remembered_marks_stay_right_after_every_change() {
    let app = common::spawn_app_with(|store| store.with_mark_every(1_000)).await;
    let ws = app.workspace("Acme").await;
    many_contacts(&app, ws, 2_500, 2_005).await;
    let [by_interaction, by_interaction_ascending] = LAST_INTERACTION_ORDERS;
    let orders = [
        by_interaction,
        by_interaction_ascending,
        ("created_at", false, "created_at ASC, id ASC"),
        ("name", true, "lower(name) DESC, id DESC"),
    ];
    let check = |round: &'static str| {
        deep_pages_match(
            &app,
            &orders,
            &[100, 101, 200, 201, 202, 251, 252],
            &[101, 125, 126],
            round,
        )
    };
    check("as seeded").await;
    // New contacts at the top, one renamed, some deleted, one losing its interaction.
    sqlx::query(
        "INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at, campaign_opt_in) \
         VALUES ($1, 'Zed', 'zed', '#000', 5, 1, 9999, 1), ($1, 'Amy', 'amy', '#000', 6, 1, 9998, 0)",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    check("after two new contacts").await;
    for statement in [
        "UPDATE contacts SET name = 'AAA', name_fold = 'aaa' WHERE id = 1500",
        "DELETE FROM contacts WHERE id IN (10, 20, 1900, 1999)",
        "UPDATE contacts SET last_interaction_at = NULL WHERE id = 7",
    ] {
        sqlx::query(statement).execute(&app.pool).await.unwrap();
        check(statement).await;
    }
}

/// Right after a change a deep page splits its walk at a mark found before the
/// change: whether few rows or many came and went before that mark, in every
/// order and under a filter, it lists what the plain query lists.
#[tokio::test]
async fn deep_pages_right_after_a_change_split_at_old_marks_and_stay_right() {
    let app = common::spawn_app_with(|store| store.with_mark_every_later(1_000)).await;
    let ws = app.workspace("Acme").await;
    many_contacts(&app, ws, 6_000, 4_800).await;
    let [by_interaction, by_interaction_ascending] = LAST_INTERACTION_ORDERS;
    let orders = [
        by_interaction,
        by_interaction_ascending,
        ("name", false, "lower(name) ASC, id ASC"),
    ];
    let check = |round: &'static str| {
        deep_pages_match(&app, &orders, &[450, 481, 520, 601, 620], &[250], round)
    };
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(600));
    check("before any marks").await;
    settle().await;
    check("from the marks").await;
    settle().await;
    let changes = [
        // A few rows before the halfway marks: the page is in what was read around it.
        (
            format!(
                "INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at, campaign_opt_in) \
                 VALUES ({ws}, 'Zed', 'zed', '#000', 5, 1, 9999, 1), ({ws}, 'Amy', 'amy', '#000', 6, 1, 9998, 0)"
            ),
            "right after two new contacts",
        ),
        // Many rows gone before them: the page is read after the count.
        (
            "DELETE FROM contacts WHERE id % 3 = 0 AND id < 4000".to_string(),
            "right after 1,333 deletes",
        ),
        (
            "UPDATE contacts SET last_interaction_at = NULL WHERE id BETWEEN 100 AND 400".to_string(),
            "right after 201 lose their interaction",
        ),
    ];
    for (statement, round) in changes {
        sqlx::query(&statement).execute(&app.pool).await.unwrap();
        check(round).await;
        settle().await;
    }
}

/// The server finds a list's marks after answering its first deep page: that
/// page walks, the ones after it start from the marks, and all list the same
/// rows as the plain query.
#[tokio::test]
async fn deep_pages_before_and_after_their_marks_are_found_list_the_same_rows() {
    let app = spawn_app().await;
    let ws = app.workspace("Acme").await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050) \
         INSERT INTO contacts (workspace_id, name, name_fold, avatar_color, created_at, updated_at, last_interaction_at) \
         SELECT $1, 'P' || i, 'p' || i, '#000', i % 7, i, i % 1000 FROM n",
    )
    .bind(ws)
    .execute(&app.pool)
    .await
    .unwrap();
    let order = "last_interaction_at IS NULL, last_interaction_at DESC, id DESC";
    let expected = ids_in_order(&app, "TRUE", order, 10_010, 10).await;
    assert_eq!(expected.len(), 10);
    for _ in 0..20 {
        let query = serde_json::json!({ "page": 1002, "q": "" });
        assert_eq!(listed_ids(&app, query).await, expected);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
