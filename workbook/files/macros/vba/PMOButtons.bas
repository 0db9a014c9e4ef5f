Attribute VB_Name = "PMOButtons"
' PMO Portfolio: the macros behind the sheet buttons and the PMO ribbon tab.
' Each one hands over to Python (package udfs, module entry) through xlwings'
' RunPython, defined in the module "xlwings" of this project, so the workbook
' works without the xlwings add-in. Python needs the xlwings package of the
' same version as that module, and the udfs package importable.
Option Explicit

' --- Form buttons (no arguments) ---

Public Sub PMO_Validate()
    RunPython "import udfs.entry as e; e.validate()"
End Sub

Public Sub PMO_Reoptimise()
    RunPython "import udfs.entry as e; e.reoptimise()"
End Sub

Public Sub PMO_ExplainSelected()
    RunPython "import udfs.entry as e; e.explain_selected()"
End Sub

Public Sub PMO_SaveScenario()
    RunPython "import udfs.entry as e; e.save_scenario()"
End Sub

Public Sub PMO_Frontier()
    RunPython "import udfs.entry as e; e.frontier()"
End Sub

Public Sub PMO_CompareScenarios()
    RunPython "import udfs.entry as e; e.compare_scenarios()"
End Sub

Public Sub PMO_RefreshDashboard()
    RunPython "import udfs.entry as e; e.refresh_dashboard()"
End Sub

Public Sub PMO_Main()
    RunPython "import udfs.entry as e; e.main()"
End Sub

' --- Ribbon callbacks (customUI/customUI14.xml, onAction) ---

Public Sub Ribbon_Validate(control As IRibbonControl)
    PMO_Validate
End Sub

Public Sub Ribbon_Reoptimise(control As IRibbonControl)
    PMO_Reoptimise
End Sub

Public Sub Ribbon_ExplainSelected(control As IRibbonControl)
    PMO_ExplainSelected
End Sub

Public Sub Ribbon_SaveScenario(control As IRibbonControl)
    PMO_SaveScenario
End Sub

Public Sub Ribbon_Frontier(control As IRibbonControl)
    PMO_Frontier
End Sub

Public Sub Ribbon_CompareScenarios(control As IRibbonControl)
    PMO_CompareScenarios
End Sub

Public Sub Ribbon_RefreshDashboard(control As IRibbonControl)
    PMO_RefreshDashboard
End Sub
