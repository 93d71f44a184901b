"""The lab: experiments that show how gradient descent behaves, drawn as plots and one HTML report.

``experiments`` turns a config into results (never draws); ``plots`` turns
results into figures (never trains); ``report`` puts figures, tables and the
numbers behind them on one self-contained page.
"""
