"""All Block Kit, as pure functions from domain objects to messages and views: one module per flow
(named like the flow's package beside it), plus the incident form and the text objects they share."""
