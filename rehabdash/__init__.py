"""康复服务看板 library: everything that is not page code."""
