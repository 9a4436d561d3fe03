-- FTS5 merges an index's segments inside whichever write fills a level
-- ('automerge'): at a million contacts one email save in twenty waited 20 to
-- 60 ms for it. The server merges in a task of its own instead
-- (`db::merge_search_in_background`); FTS5 still merges inside a write when
-- a level reaches 16 segments ('crisismerge'), so an index never piles up.
INSERT INTO contact_search (contact_search, rank) VALUES ('automerge', 0);
INSERT INTO contact_search_short (contact_search_short, rank) VALUES ('automerge', 0);
