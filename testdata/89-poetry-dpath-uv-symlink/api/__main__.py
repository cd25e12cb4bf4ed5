import dpath

print(dpath.get({"a": {"b": 1}}, "a/b"))
