//! Runs a parsed command.

use std::process::ExitCode;

use anyhow::bail;
use clap::CommandFactory;
use duet_proto::{
    BodyEdit, BoundaryAdd, BoundaryList, BoundaryRevise, CheckinAdd, CheckinList, EntryRef, Home,
    NoteAdd, NoteEdit, NoteList, PromptAnswer, Request, Response,
};
use serde_json::json;

use crate::args::{
    BoundaryCommand, CheckinArgs, CheckinCommand, Cli, Command, DaemonCommand, NoteCommand,
};
use crate::clean::{errln, line, outln};
use crate::connect::{call, runtime};
use crate::{daemon_ctl, input, print};

/// What the CLI prints when a command succeeds, in both of its voices.
struct Ctx {
    home: Home,
    json: bool,
}

fn unexpected(what: &str) -> anyhow::Error {
    anyhow::anyhow!("duetd sent an unexpected answer to {what}")
}

/// Runs the command and returns the exit code for success paths that are not 0.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that need no home.
    match &cli.command {
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when its writer fails, and a closed
            // pipe (`duet completions zsh | head`) must end quietly.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "duet", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man { dir: None } => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            std::io::Write::write_all(&mut std::io::stdout(), &page)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man { dir: Some(dir) } => {
            daemon_ctl::man_pages(dir)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Demo(args) => return crate::demo::run(args.keep).map(|()| ExitCode::SUCCESS),
        _ => {}
    }
    let ctx = Ctx {
        home: Home::resolve(cli.home)?,
        json: cli.json,
    };
    // Commands that run an offline `duetd` subcommand and need no daemon.
    match cli.command {
        Command::Backup(
            b @ (crate::args::BackupCommand::Verify { .. }
            | crate::args::BackupCommand::Restore { .. }),
        ) => {
            runtime()?.block_on(crate::backup::run(&ctx.home, ctx.json, b))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Passphrase(p) => {
            crate::keys::passphrase_cmd(&ctx.home, p)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => runtime()?.block_on(crate::doctor::run(&ctx.home, ctx.json)),
        command => run_rest(ctx, command),
    }
}

fn run_rest(ctx: Ctx, command: Command) -> anyhow::Result<ExitCode> {
    if let Command::Init(args) = &command {
        let journal_id = daemon_ctl::init(&ctx.home, args)?;
        if ctx.json {
            print::json(&json!({ "journal_id": journal_id, "home": ctx.home.root() }))?;
        } else {
            outln!("{journal_id}")?;
            errln!(
                "Created a journal in {}. Next: `duet daemon start`.",
                ctx.home.root().display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    runtime()?.block_on(run_async(&ctx, command))
}

async fn run_async(ctx: &Ctx, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Daemon(d) => return daemon(ctx, d).await,
        Command::Status => {
            let Response::Status(s) = call(&ctx.home, Request::Status).await? else {
                return Err(unexpected("status"));
            };
            if ctx.json {
                print::json(&s)?;
            } else {
                print::status(&s)?;
            }
        }
        Command::Unlock(args) => {
            daemon_ctl::unlock(&ctx.home, &args).await?;
            errln!("Unlocked.");
        }
        Command::Note(n) => note(ctx, n).await?,
        Command::Trash => {
            let Response::Trash(l) = call(&ctx.home, Request::Trash).await? else {
                return Err(unexpected("trash"));
            };
            if ctx.json {
                print::json(&l.items)?;
            } else {
                print::trash(&l.items, &l.short_ids)?;
            }
        }
        Command::Checkin(c) => checkin(ctx, c).await?,
        Command::Prompts => {
            let Response::Prompts(deck) = call(&ctx.home, Request::Prompts).await? else {
                return Err(unexpected("prompts"));
            };
            if ctx.json {
                print::json(&deck)?;
            } else {
                print::prompts(&deck)?;
            }
        }
        Command::Boundary(b) => boundary(ctx, b).await?,
        Command::Invite(i) => crate::pairing::invite(&ctx.home, ctx.json, &i).await?,
        Command::Pair { ticket } => crate::pairing::pair(&ctx.home, ctx.json, ticket).await?,
        Command::Peers => crate::pairing::peers(&ctx.home, ctx.json).await?,
        Command::Unpair { id } => crate::pairing::unpair(&ctx.home, ctx.json, id).await?,
        Command::Sync(s) => return crate::pairing::sync(&ctx.home, ctx.json, &s).await,
        Command::Backup(b) => crate::backup::run(&ctx.home, ctx.json, b).await?,
        Command::Export(e) => crate::export::run(&ctx.home, e).await?,
        Command::Key(k) => crate::keys::key_cmd(&ctx.home, ctx.json, k).await?,
        Command::Lock => crate::keys::lock(&ctx.home).await?,
        Command::Init(_)
        | Command::Doctor
        | Command::Passphrase(_)
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Demo(_) => {
            bail!("internal error: command dispatched twice")
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn daemon(ctx: &Ctx, d: DaemonCommand) -> anyhow::Result<ExitCode> {
    match d {
        DaemonCommand::Start => {
            let pid = daemon_ctl::start(&ctx.home).await?;
            if ctx.json {
                print::json(&json!({ "running": true, "pid": pid }))?;
            } else {
                errln!("duetd started (pid {pid})");
            }
        }
        DaemonCommand::Stop => match daemon_ctl::stop(&ctx.home).await? {
            Some(pid) if ctx.json => print::json(&json!({ "stopped": true, "pid": pid }))?,
            Some(pid) => errln!("duetd stopped (pid {pid})"),
            None if ctx.json => print::json(&json!({ "stopped": false }))?,
            None => errln!("duetd is not running"),
        },
        DaemonCommand::Status => match daemon_ctl::status(&ctx.home).await? {
            Some(s) => {
                if ctx.json {
                    print::json(&json!({
                        "running": true,
                        "pid": s.pid,
                        "uptime_secs": s.uptime_secs,
                        "locked": s.locked,
                        "daemon_version": s.daemon_version,
                    }))?;
                } else {
                    let locked = if s.locked { ", locked" } else { "" };
                    outln!(
                        "duetd is running (pid {}, up {}{locked})",
                        s.pid,
                        print::uptime(s.uptime_secs)
                    )?;
                }
            }
            None => {
                if ctx.json {
                    print::json(&json!({ "running": false }))?;
                } else {
                    outln!("duetd is not running")?;
                }
                return Ok(ExitCode::FAILURE);
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a new entry's id: alone on stdout, so `id=$(duet ... add ...)` works.
fn print_created(ctx: &Ctx, response: Response, what: &str) -> anyhow::Result<()> {
    let Response::Created(c) = response else {
        return Err(unexpected(what));
    };
    if ctx.json {
        print::json(&c)?;
    } else {
        outln!("{}", line(&c.id))?;
    }
    Ok(())
}

async fn note(ctx: &Ctx, n: NoteCommand) -> anyhow::Result<()> {
    match n {
        NoteCommand::Add {
            title,
            body,
            body_file,
            tags,
        } => {
            let body = input::new_body(body, body_file.as_deref())?;
            let r = call(&ctx.home, Request::NoteAdd(NoteAdd { title, body, tags })).await?;
            print_created(ctx, r, "note add")?;
        }
        NoteCommand::List { tag } => {
            let Response::Notes(l) = call(&ctx.home, Request::NoteList(NoteList { tag })).await?
            else {
                return Err(unexpected("note list"));
            };
            if ctx.json {
                print::json(&l.items)?;
            } else {
                print::notes(&l.items, &l.short_ids)?;
            }
        }
        NoteCommand::Show { id } => {
            let Response::Note(v) = call(&ctx.home, Request::NoteShow(EntryRef { id })).await?
            else {
                return Err(unexpected("note show"));
            };
            if ctx.json {
                print::json(&v)?;
            } else {
                print::note(&v)?;
            }
        }
        NoteCommand::Edit {
            id,
            title,
            body,
            body_file,
            append,
            tags,
            untags,
        } => {
            let body = match (body, body_file, append) {
                (Some(b), _, _) => Some(BodyEdit::Replace(input::check_size(input::body_arg(b)?)?)),
                (_, Some(f), _) => Some(BodyEdit::Replace(input::check_size(
                    input::read_body_file(&f)?,
                )?)),
                (_, _, Some(a)) => Some(BodyEdit::Append(a)),
                _ => None,
            };
            if title.is_none() && body.is_none() && tags.is_empty() && untags.is_empty() {
                return Err(crate::UsageError(
                    "nothing to change: give --title, --body, --body-file, --append, --tag or --untag"
                        .into(),
                )
                .into());
            }
            let edit = NoteEdit {
                id,
                title,
                body,
                add_tags: tags,
                remove_tags: untags,
            };
            let Response::Note(v) = call(&ctx.home, Request::NoteEdit(edit)).await? else {
                return Err(unexpected("note edit"));
            };
            if ctx.json {
                print::json(&v)?;
            } else {
                errln!("Updated note {}.", line(&v.id));
            }
        }
        NoteCommand::Rm { id } => {
            let Response::Note(v) = call(&ctx.home, Request::NoteRm(EntryRef { id })).await? else {
                return Err(unexpected("note rm"));
            };
            if ctx.json {
                print::json(&v)?;
            } else {
                errln!(
                    "Moved note {} to the trash; `duet note restore {}` brings it back.",
                    line(&v.id),
                    line(&v.id)
                );
            }
        }
        NoteCommand::Restore { id } => {
            let Response::Note(v) = call(&ctx.home, Request::NoteRestore(EntryRef { id })).await?
            else {
                return Err(unexpected("note restore"));
            };
            if ctx.json {
                print::json(&v)?;
            } else {
                errln!("Restored note {}.", line(&v.id));
            }
        }
    }
    Ok(())
}

async fn checkin(ctx: &Ctx, c: CheckinArgs) -> anyhow::Result<()> {
    if let Some(CheckinCommand::List { since }) = c.command {
        let since = since.as_deref().map(input::parse_since).transpose()?;
        let Response::Checkins(l) =
            call(&ctx.home, Request::CheckinList(CheckinList { since })).await?
        else {
            return Err(unexpected("checkin list"));
        };
        if ctx.json {
            print::json(&l.items)?;
        } else {
            print::checkins(&l.items)?;
        }
        return Ok(());
    }
    let no_flags =
        c.mood.is_none() && c.feelings.is_empty() && c.answers.is_empty() && c.need.is_none();
    let add = if no_flags && input::interactive() {
        let Response::Prompts(deck) = call(&ctx.home, Request::Prompts).await? else {
            return Err(unexpected("prompts"));
        };
        input::interactive_checkin(&deck)?
    } else if no_flags {
        return Err(crate::UsageError(
            "nothing to record: give --mood, --feeling, --answer or --need (or run on a terminal to be asked)"
                .into(),
        )
        .into());
    } else {
        CheckinAdd {
            mood: c.mood,
            feelings: c.feelings,
            answers: c
                .answers
                .into_iter()
                .map(|(prompt_id, text)| PromptAnswer { prompt_id, text })
                .collect(),
            need: c.need,
        }
    };
    let r = call(&ctx.home, Request::CheckinAdd(add)).await?;
    print_created(ctx, r, "checkin")
}

async fn boundary(ctx: &Ctx, b: BoundaryCommand) -> anyhow::Result<()> {
    let (request, verb) = match b {
        BoundaryCommand::Add { text } => {
            let r = call(&ctx.home, Request::BoundaryAdd(BoundaryAdd { text })).await?;
            return print_created(ctx, r, "boundary add");
        }
        BoundaryCommand::List { all } => {
            let Response::Boundaries(l) = call(
                &ctx.home,
                Request::BoundaryList(BoundaryList {
                    include_retired: all,
                }),
            )
            .await?
            else {
                return Err(unexpected("boundary list"));
            };
            return if ctx.json {
                print::json(&l.items)
            } else {
                print::boundaries(&l.items, &l.short_ids)
            };
        }
        BoundaryCommand::Show { id } => (Request::BoundaryShow(EntryRef { id }), None),
        BoundaryCommand::Revise { id, text } => (
            Request::BoundaryRevise(BoundaryRevise { id, text }),
            Some("Revised"),
        ),
        BoundaryCommand::Retire { id } => {
            (Request::BoundaryRetire(EntryRef { id }), Some("Retired"))
        }
        BoundaryCommand::Ack { id } => {
            (Request::BoundaryAck(EntryRef { id }), Some("Acknowledged"))
        }
    };
    let Response::Boundary(v) = call(&ctx.home, request).await? else {
        return Err(unexpected("boundary"));
    };
    match (ctx.json, verb) {
        (true, _) => print::json(&v),
        (false, None) => print::boundary(&v),
        (false, Some(verb)) => {
            errln!("{verb} boundary {}.", line(&v.id));
            Ok(())
        }
    }
}
