"""Back-tests: replay help-desk history through the real rules engine and count what it would have done."""
