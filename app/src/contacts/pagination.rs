//! Pagination: Previous / Next, page numbers with ellipses, all as plain links so
//! the page lives in the URL. Plain `<a>`: the router still navigates without a
//! reload, and `<A>`'s active-link memo panicked in server renders whose owner
//! was already gone.

use super::url::ContactsUrl;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageItem {
    Page(u32),
    Gap,
}

/// The page numbers to show: the first, the last, and the current one with its
/// neighbours, with a gap where pages are left out.
pub fn page_items(current: u32, total_pages: u32) -> Vec<PageItem> {
    if total_pages <= 7 {
        return (1..=total_pages).map(PageItem::Page).collect();
    }
    let current = current.clamp(1, total_pages);
    let (lo, hi) = if current <= 4 {
        (2, 5)
    } else if current >= total_pages - 3 {
        (total_pages - 4, total_pages - 1)
    } else {
        (current - 1, current + 1)
    };
    let mut items = vec![PageItem::Page(1)];
    if lo > 2 {
        items.push(PageItem::Gap);
    }
    items.extend((lo..=hi).map(PageItem::Page));
    if hi < total_pages - 1 {
        items.push(PageItem::Gap);
    }
    items.push(PageItem::Page(total_pages));
    items
}

#[component]
pub fn Pagination(
    url: ContactsUrl,
    /// The list's total, `None` while it is counted.
    total: super::total::Total,
    /// While counting: whether this page is full, so a next one may exist.
    may_have_next: bool,
) -> impl IntoView {
    move || {
        // Until the total arrives, the pages known are this one and the next.
        let total_pages = match total.get() {
            Some(total) => crate::domain::page_count(total, crate::domain::PAGE_SIZE),
            None => url.page.max(1) + u32::from(may_have_next),
        };
        pages(&url, total_pages)
    }
}

fn pages(url: &ContactsUrl, total_pages: u32) -> AnyView {
    if total_pages <= 1 {
        return ().into_any();
    }
    let current = url.page.min(total_pages);
    let prev = (current > 1).then(|| url.with_page(current - 1).href());
    let next = (current < total_pages).then(|| url.with_page(current + 1).href());
    let items = page_items(current, total_pages)
        .into_iter()
        .map(|item| match item {
            PageItem::Gap => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
            PageItem::Page(n) if n == current => view! {
                <li>
                    <a class="page current" aria-current="page" href=url.with_page(n).href()>
                        <span class="visually-hidden">"Page "</span>{n}
                    </a>
                </li>
            }
            .into_any(),
            PageItem::Page(n) => view! {
                <li>
                    <a href=url.with_page(n).href() class="page">
                        <span class="visually-hidden">"Page "</span>{n}
                    </a>
                </li>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <nav class="pagination" aria-label="Pagination">
            {match prev {
                Some(href) => view! { <a href=href class="button" rel="prev">"Previous"</a> }.into_any(),
                None => view! { <span class="button disabled" aria-disabled="true">"Previous"</span> }.into_any(),
            }}
            <ul>{items}</ul>
            {match next {
                Some(href) => view! { <a href=href class="button" rel="next">"Next"</a> }.into_any(),
                None => view! { <span class="button disabled" aria-disabled="true">"Next"</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::PageItem::{Gap, Page};
    use super::*;

    #[test]
    fn few_pages_are_all_listed() {
        assert_eq!(page_items(1, 0), vec![]);
        assert_eq!(page_items(1, 3), vec![Page(1), Page(2), Page(3)]);
        assert_eq!(page_items(7, 7).len(), 7);
    }

    #[test]
    fn many_pages_get_ellipses_around_the_current_one() {
        assert_eq!(
            page_items(1, 100),
            vec![Page(1), Page(2), Page(3), Page(4), Page(5), Gap, Page(100)]
        );
        assert_eq!(
            page_items(50, 100),
            vec![Page(1), Gap, Page(49), Page(50), Page(51), Gap, Page(100)]
        );
        assert_eq!(
            page_items(100, 100),
            vec![
                Page(1),
                Gap,
                Page(96),
                Page(97),
                Page(98),
                Page(99),
                Page(100)
            ]
        );
    }

    #[test]
    fn the_current_page_is_always_shown_and_numbers_ascend() {
        for total in 1..40 {
            for current in 1..=total {
                let items = page_items(current, total);
                assert!(items.contains(&Page(current)));
                assert!(items.contains(&Page(1)) && items.contains(&Page(total)));
                let pages: Vec<u32> = items
                    .iter()
                    .filter_map(|i| match i {
                        Page(n) => Some(*n),
                        Gap => None,
                    })
                    .collect();
                assert!(pages.windows(2).all(|w| w[0] < w[1]));
                assert!(items.len() <= 7);
            }
        }
    }
}
