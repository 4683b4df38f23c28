"""The local runtime: the unchanged Chalice app on one machine (development only;
nothing here is packaged into Lambda)."""
