//! Column widths that fit the terminal: every column gets at least its minimum, and when even
//! that does not fit, or when a column has to be cut while one of lower rank is shown (or cut
//! to less than half while one of its own rank is), the lowest-priority ones go first (never NAME or HEALTH); the room left
//! lets each but the last grow to its preferred width, then to its widest cell on screen, a
//! cell at a time round the columns, the most important first; the last column (a reason,
//! which reads well cut) takes the rest. A cell wider than its column is cut with
//! `…`: in the middle for names (the suffix tells `active-inference` from
//! `active-inference-pre`, the revision ends `phenom-prod-functions:61`), at the end for reasons.

use unicode_width::UnicodeWidthStr;

use crate::model::ColumnSpec;
use crate::model::column::Priority;

/// Spaces between two columns.
pub const SPACING: u16 = 1;

/// How wide a column may grow past its preferred width for a wide cell (the last column takes
/// whatever is left).
const GROWTH_CAP: u16 = 64;

/// The columns' widths in `room` cells: `None` for a column dropped. `widest[i]` is the widest
/// text column `i` shows (its title included); it decides the widths, not which columns show.
pub fn fit(columns: &[ColumnSpec], widest: &[u16], room: u16) -> Vec<Option<u16>> {
    // Which columns show follows the table's declared widths and the room, not the rows on
    // screen: scrolling, filtering or an update never makes a column come and go (as in k9s).
    let declared: Vec<u16> = columns
        .iter()
        .map(|c| c.width.max(text_width(c.title) + 1))
        .collect();
    // Each column's rank in this table, worked out once for every step below.
    let ranks = ColumnSpec::ranks(columns);
    let mut kept = choose(columns, &ranks, &declared, room);
    let widths = lay_out(columns, &ranks, widest, room, &mut kept);
    (0..columns.len())
        .map(|i| kept[i].then_some(widths[i]))
        .collect()
}

/// The columns kept in `room` when each wants `widest`.
fn choose(columns: &[ColumnSpec], ranks: &[Priority], widest: &[u16], room: u16) -> Vec<bool> {
    let n = columns.len();
    let mut kept = vec![true; n];
    loop {
        let widths = lay_out(columns, ranks, widest, room, &mut kept);
        // A column cut to less than half while one of lower (or its own) rank is shown: the
        // lowest such goes (of equals, a whole one before a cut one, which can then grow, then
        // the rightmost; never the reason), and the rest are laid out again. The last column
        // reads well cut and does not count.
        let last = (0..n).rev().find(|&i| kept[i]);
        let cut: Vec<usize> = (0..n)
            .filter(|&i| kept[i] && Some(i) != last && widths[i] < widest[i])
            .collect();
        // Against the declared widths, which are generous, a light cut is no reason to drop
        // a column: only one cut to less than half is.
        let heavy_rank = cut
            .iter()
            .filter(|&&i| widths[i] * 2 < widest[i])
            .map(|&i| ranks[i])
            .max();
        // Of equals, one that is whole goes before the one that is cut, which can then grow.
        let below = heavy_rank.and_then(|rank| {
            (0..n)
                .filter(|&i| kept[i] && ranks[i] < Priority::Reason)
                .filter(|&i| ranks[i] <= rank)
                .min_by_key(|&i| (ranks[i], cut.contains(&i), std::cmp::Reverse(i)))
        });
        match below {
            Some(i) => kept[i] = false,
            None => return kept,
        }
    }
}

/// The droppable kept column of the lowest rank; of equals, the rightmost.
fn lowest(ranks: &[Priority], kept: &[bool]) -> Option<usize> {
    (0..ranks.len())
        .filter(|&i| kept[i] && ranks[i] != Priority::Always)
        .min_by_key(|&i| (ranks[i], std::cmp::Reverse(i)))
}

/// The widths of the `kept` columns in `room`, dropping more of them while even their minimums
/// do not fit.
fn lay_out(
    columns: &[ColumnSpec],
    ranks: &[Priority],
    widest: &[u16],
    room: u16,
    kept: &mut [bool],
) -> Vec<u16> {
    let n = columns.len();
    let min: Vec<u16> = (0..n)
        .map(|i| {
            let floor = match ranks[i] {
                // The why gets a quarter of a narrow terminal (not a sliver), and on a wide one
                // what the other columns leave.
                Priority::Reason => columns[i].min_width().max((room / 4).min(32)),
                _ => columns[i].min_width(),
            };
            floor.min(widest[i].max(1))
        })
        .collect();
    let need = |kept: &[bool]| -> u16 {
        let shown: Vec<usize> = (0..n).filter(|&i| kept[i]).collect();
        let cells: u16 = shown.iter().map(|&i| min[i]).sum();
        cells + SPACING * (shown.len() as u16).saturating_sub(1)
    };
    while need(kept) > room {
        match lowest(ranks, kept) {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut width: Vec<u16> = min.clone();
    let mut spare = room.saturating_sub(need(kept));
    // The last column takes what is left at the end (a reason, usually: it reads well cut).
    let last = (0..n).rev().find(|&i| kept[i]);
    let mut by_rank: Vec<usize> = (0..n).filter(|&i| kept[i] && Some(i) != last).collect();
    by_rank.sort_by_key(|&i| (std::cmp::Reverse(ranks[i]), i));
    let targets: [&dyn Fn(usize) -> u16; 2] = [&|i| widest[i].min(columns[i].width), &|i| {
        widest[i].min(columns[i].width.max(GROWTH_CAP))
    }];
    // A cell at a time round the columns, the most important first: the room is shared, so
    // one long cell does not starve the others of their last characters.
    for target in targets {
        while spare > 0 {
            let mut grew = false;
            for &i in &by_rank {
                if spare > 0 && width[i] < target(i) {
                    width[i] += 1;
                    spare -= 1;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }
    if let Some(last) = last {
        width[last] += spare;
    }
    width
}

/// How many cells `text` takes on a terminal.
pub fn text_width(text: &str) -> u16 {
    text.width().min(u16::MAX as usize) as u16
}

/// `text` in at most `width` cells, cut with `…`: in the middle for all but a reason.
pub fn cut(text: &str, width: u16, priority: Priority) -> String {
    let width = width as usize;
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let take = |chars: &mut dyn Iterator<Item = char>, room: usize| {
        let mut out = String::new();
        let mut used = 0;
        for c in chars {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            out.push(c);
        }
        out
    };
    if priority == Priority::Reason || width < 8 {
        return take(&mut text.chars(), width - 1) + "…";
    }
    let head = take(&mut text.chars(), (width - 1) / 2);
    let tail: String = take(&mut text.chars().rev(), width - 1 - head.width())
        .chars()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(title: &'static str, width: u16) -> ColumnSpec {
        ColumnSpec { title, width }
    }

    fn hr_columns() -> Vec<ColumnSpec> {
        vec![
            col("NAMESPACE", 16),
            col("NAME", 24),
            col("CONTEXT", 14),
            col("READY", 7),
            col("CHART", 18),
            col("ACCOUNT", 10),
            col("HEALTH", 11),
            col("REASON", 40),
        ]
    }

    #[test]
    fn a_wide_terminal_shows_every_cell_whole_and_gives_the_rest_to_the_last() {
        let widest = [20, 30, 12, 5, 10, 7, 11, 90];
        let w = fit(&hr_columns(), &widest, 250);
        let shown: Vec<u16> = w.iter().map(|w| w.unwrap()).collect();
        assert_eq!(&shown[..7], &widest[..7], "each as wide as its widest cell");
        let total: u16 = shown.iter().sum::<u16>() + SPACING * 7;
        assert_eq!(total, 250, "the table fills the terminal");
    }

    #[test]
    fn a_narrow_terminal_drops_placement_then_details_never_name_or_health() {
        let widest = [20, 30, 12, 5, 10, 7, 11, 90];
        let w = fit(&hr_columns(), &widest, 78);
        assert_eq!(w[5], None, "ACCOUNT goes first");
        assert!(w[1].is_some() && w[6].is_some(), "{w:?}");
        let total: u16 =
            w.iter().flatten().sum::<u16>() + SPACING * (w.iter().flatten().count() as u16 - 1);
        assert!(total <= 78, "{w:?}");
        let w = fit(&hr_columns(), &widest, 30);
        assert!(w[1].is_some() && w[6].is_some(), "{w:?}");
        assert!(w[7].is_none() && w[0].is_none(), "{w:?}");
    }

    #[test]
    fn the_rows_on_screen_never_make_a_column_come_or_go() {
        let shown = |w: &[Option<u16>]| w.iter().map(Option::is_some).collect::<Vec<_>>();
        for room in [60, 78, 97, 150, 197] {
            let short = fit(&hr_columns(), &[8, 10, 12, 5, 6, 7, 7, 20], room);
            let long = fit(&hr_columns(), &[30, 40, 13, 5, 18, 12, 11, 120], room);
            assert_eq!(shown(&short), shown(&long), "at {room}");
        }
    }

    #[test]
    fn cuts_keep_a_names_end_and_a_reasons_start() {
        let name = cut("active-inference-pre", 14, Priority::Identity);
        assert_eq!(name, "active…nce-pre");
        assert_eq!(text_width(&name), 14);
        let reason = cut(
            "UpgradeFailed: context deadline exceeded",
            16,
            Priority::Reason,
        );
        assert_eq!(reason, "UpgradeFailed: …");
        assert_eq!(cut("short", 16, Priority::Reason), "short");
        assert_eq!(
            text_width(&cut("名前がとても長いです", 9, Priority::Identity)),
            9
        );
    }
}
