"""Knowledge base and retrieval (services environment only: needs numpy, faiss, embedders)."""
