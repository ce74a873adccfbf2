//! Entering and leaving the terminal's raw, alternate-screen mode, and the signals that end the
//! TUI. One function, [`restore`], gives the terminal back, whatever ends opsdeck: the guard's
//! drop calls it on `q`, on an error and after SIGTERM, SIGINT, SIGHUP or SIGQUIT (the event loop
//! waits on [`Signals`] and returns), and the panic hook `TerminalGuard::enter` installs calls it
//! on a panic.
//!
//! The TUI changes four things: raw mode, the alternate screen, bracketed paste and, while
//! ratatui draws, the cursor's visibility. Bracketed paste makes the terminal send a paste as one
//! `Event::Paste` rather than as keys, so pasted text is only ever text (`App::handle_paste`): a
//! line break in it never presses Enter, and a `y` in it never answers a prompt. It enables no
//! mouse capture, focus reporting or keyboard enhancement; whatever enables one must disable it
//! in `restore` too.

use std::cell::Cell;
use std::io;
use std::process::ExitCode;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::{DefaultTerminal, Terminal};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Whether the terminal is in the TUI's modes: set by `enter`, cleared by the first `restore`, so
/// a second one (the panic hook, then the guard's drop while unwinding) writes nothing.
static ACTIVE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// True on the thread that entered the TUI: the one running the event loop.
    static TUI_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Gives the terminal back: leaves raw mode (cooked mode, echo and signals from keys again),
/// turns bracketed paste off, leaves the alternate screen and shows the cursor. Does nothing
/// unless the TUI entered them, so calling it twice is harmless.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // Each step on its own, errors ignored: one failing (after a hangup they all do) must not
    // skip the others, and there is nowhere to report it, stderr being that same terminal.
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableBracketedPaste);
    let _ = execute!(io::stdout(), LeaveAlternateScreen);
    let _ = execute!(io::stdout(), Show);
}

/// Puts `text` on the clipboard of the terminal the TUI draws on, by OSC 52: it works over ssh
/// and in tmux (with `set-clipboard on`), where no local clipboard tool could. A terminal that
/// does not take OSC 52 ignores it.
pub fn copy_to_clipboard(text: &str) {
    use crossterm::clipboard::CopyToClipboard;
    let _ = execute!(io::stdout(), CopyToClipboard::to_clipboard_from(text));
}

/// The TUI's terminal; dropping the guard restores the terminal.
pub struct TerminalGuard {
    /// Always `Some` until the drop.
    terminal: Option<DefaultTerminal>,
}

impl TerminalGuard {
    /// Installs the panic hook (once), then enters raw mode and the alternate screen and turns
    /// bracketed paste on. Call it on the thread that runs the event loop. On an error, whatever
    /// was entered is left again.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        TUI_THREAD.set(true);
        ACTIVE.store(true, Ordering::SeqCst);
        let entered = enable_raw_mode()
            .and_then(|()| execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste))
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(TerminalGuard {
                terminal: Some(terminal),
            }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        self.terminal
            .as_mut()
            .expect("the terminal is only taken by the guard's drop")
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // ratatui's `Terminal` shows the cursor it hid when dropped, and prints to stderr when
        // that fails, which panics if stderr is a hung-up terminal (SIGHUP after the terminal
        // closed). Showing it here (`restore` already did; this tells the `Terminal`) leaves its
        // drop nothing to write; if even that fails, the `Terminal` is not dropped: the process
        // is ending, and it holds only memory and a stdout handle.
        if let Some(mut terminal) = self.terminal.take()
            && terminal.show_cursor().is_err()
        {
            std::mem::forget(terminal);
        }
    }
}

/// Restores the terminal before the previous hook prints the panic, so the message lands on the
/// shell's screen, in cooked mode. Only a panic on the TUI's thread does: that one ends opsdeck,
/// while tokio catches a panic in a backend's task and the TUI carries on, keeping its screen.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if TUI_THREAD.try_with(Cell::get).unwrap_or(false) {
                restore();
            }
            previous(info);
        }));
    });
}

/// The signals that ask opsdeck to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    Hangup,
    Interrupt,
    Quit,
    Terminate,
}

impl StopSignal {
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Hangup => "SIGHUP",
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Quit => "SIGQUIT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The signal's number: POSIX's, the same on Linux and macOS.
    pub fn number(self) -> u8 {
        match self {
            StopSignal::Hangup => 1,
            StopSignal::Interrupt => 2,
            StopSignal::Quit => 3,
            StopSignal::Terminate => 15,
        }
    }

    /// opsdeck's exit status after the signal: 128 + its number (129 SIGHUP, 130 SIGINT, 131
    /// SIGQUIT, 143 SIGTERM), the status a shell reports for a process the signal killed, so
    /// scripts and supervisors see what they saw before opsdeck handled these signals. opsdeck
    /// exits with it rather than re-raising the signal, having restored the terminal first.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(128 + self.number())
    }
}

/// Handlers for SIGHUP, SIGINT, SIGQUIT and SIGTERM, which the event loop waits on beside its
/// input. Installing them replaces the signals' default action (ending the process at once,
/// leaving the terminal raw on the alternate screen) for the rest of the process's life, so the
/// TUI installs them before it enters raw mode. Needs a tokio runtime.
pub struct Signals {
    hangup: Signal,
    interrupt: Signal,
    quit: Signal,
    terminate: Signal,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The next of the four signals to arrive. Cancel-safe: a signal that arrives while nothing
    /// waits is kept for the next call.
    pub async fn recv(&mut self) -> StopSignal {
        tokio::select! {
            Some(()) = self.hangup.recv() => StopSignal::Hangup,
            Some(()) = self.interrupt.recv() => StopSignal::Interrupt,
            Some(()) = self.quit.recv() => StopSignal::Quit,
            Some(()) = self.terminate.recv() => StopSignal::Terminate,
            // `recv` gives None only once the runtime shuts down: no signal comes any more.
            else => std::future::pending().await,
        }
    }
}
