return SharpTune.Cli.CliApp.Run(args);
