"""Every rule of the programme as a pure function: no Django imports, plain values in, plain values out.

The admin, forms, imports, dashboards, commands and exports all call these; none of them restates a rule.
"""
