//! A paste is text, never keys: the real binary in tmux (`opsdeck --write demo`) gets a bracketed
//! paste of `hyperfy2⏎Ryes⏎` in its filter. Typed as keys, that text would keep the filter
//! `hyperfy2`, ask to reconcile the failing release, answer `y`, sort and open the details; pasted,
//! it is the filter's text on one line and nothing else happens. `tmux paste-buffer -p` wraps the
//! buffer in the bracketed-paste codes only when the application turned bracketed paste on, so
//! without it the paste would arrive as keys and this test would fail. `scripts/test` installs
//! tmux when it is missing; this test fails (it does not skip) without it.

use std::time::Duration;

use testkit::tmux::Tmux;

#[test]
fn a_paste_into_the_filter_is_text_and_never_asks_to_reconcile() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::opsdeck(home.path(), crate::opsdeck_bin(), "--write demo", true);
    tmux.wait_for(&[" WRITE "]);
    // The HelmReleases, where `R` on the failing release would ask to reconcile it.
    tmux.type_text(":hr");
    tmux.wait_for(&[":hr▏"]);
    tmux.press("Enter");
    tmux.wait_for(&["┌ HelmReleases ["]);
    tmux.type_text("/");
    tmux.wait_for(&["Enter keeps · Esc clears"]);

    let set = tmux.tmux(&["set-buffer", "-b", "opsdeck-paste", "hyperfy2\nRyes\n"]);
    assert!(
        set.status.success(),
        "tmux set-buffer: {}",
        String::from_utf8_lossy(&set.stderr)
    );
    // tmux sends each line break of the buffer as a carriage return, as terminals paste.
    let paste = tmux.tmux(&["paste-buffer", "-p", "-b", "opsdeck-paste", "-t", "demo"]);
    assert!(
        paste.status.success(),
        "tmux paste-buffer: {}",
        String::from_utf8_lossy(&paste.stderr)
    );
    tmux.wait_for(&["/hyperfy2 Ryes▏"]);
    // Whatever the paste could have set off has had time to show.
    std::thread::sleep(Duration::from_millis(500));
    let s = tmux.capture();
    assert!(
        s.contains("/hyperfy2 Ryes▏") && s.contains("Enter keeps · Esc clears"),
        "the filter is still open and holds the pasted text, on one line:\n{s}"
    );
    for sign in ["y confirms", "reconcile", "Reconcile ", "── Fields"] {
        assert!(
            !s.contains(sign),
            "the paste acted as keys (`{sign}` is on screen):\n{s}"
        );
    }

    // Keys still work: Esc clears the filter, q quits and the terminal is given back.
    tmux.press("Escape");
    tmux.wait_until("the filter closed", |s| {
        !s.contains("/hyperfy2 Ryes") && s.contains("┌ HelmReleases [")
    });
    tmux.type_text("q");
    tmux.wait_until("the shell after quitting", |s| {
        !s.contains("opsdeck │") && s.contains("$")
    });
    tmux.assert_stty_restored(home.path(), "a paste");
}
