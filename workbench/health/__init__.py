"""Dataset health before training: figures by tag, language, length and turns; the
coverage checklist; near-duplicates; drafts written from ratings; the stakeholder report."""
