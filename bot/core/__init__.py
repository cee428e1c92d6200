"""The core API: ask, library, tasks, scope. No chat channel, HTTP client or terminal library here."""
