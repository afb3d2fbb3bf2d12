"""Every file negsim reads or writes: Gambit formats, configs, tables, the one atomic
writer.
"""
