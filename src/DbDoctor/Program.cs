using DbDoctor.Cli;

return await DbDoctorCli.RunAsync(args);
