@{
    RootModule = 'Matchmade.psm1'
    ModuleVersion = '0.1.0'
}
