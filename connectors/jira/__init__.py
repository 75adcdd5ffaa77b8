"""The Jira Service Management connector (Cloud and Data Center), on the `jira` library's session."""
