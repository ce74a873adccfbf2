//! Entering and leaving the terminal's raw, alternate-screen mode. The terminal is restored on
//! quit, on error (the guard's drop) and on panic (ratatui's hook, installed by `try_init`).

use ratatui::DefaultTerminal;

pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        Ok(TerminalGuard {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
