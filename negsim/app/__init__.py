"""The shell: the ``negsim`` command (Hydra), its schema and override handling, sweeps and
experiments as files, the analyses and the teaching commands. The only package that
imports Hydra or OmegaConf.
"""
