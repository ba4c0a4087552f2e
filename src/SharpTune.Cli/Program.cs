// A failure on a background thread never reaches CliApp.Run's boundary: report it the same way (one line, crash log).
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
    Environment.Exit(e.ExceptionObject is Exception ex ? SharpTune.Cli.Errors.Report(ex) : SharpTune.Cli.Errors.Internal);
return SharpTune.Cli.CliApp.Run(args);
