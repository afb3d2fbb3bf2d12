"""Generic game forms: extensive-form trees, repeated games, bargaining."""
