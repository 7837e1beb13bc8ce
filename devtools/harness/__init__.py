"""What tests and benches both need to stand a scenario up: the replica and the web archives
over HTTP, databases on a test server, the product's own local stack, run environments, and
rows built from the replica's truth. Plain functions: the pytest fixtures in tests/ wrap them."""
