"""The knowledge base: articles, full-text search, caching and view counters (KnowledgeService)."""
