//! Rights on the command line as The Things Stack's CLI takes them: one
//! flag per right (`--right-application-info`), generated from the core's
//! catalog so a new right gets its flag with no edit here, plus `--rights`
//! with a comma-separated list for scripts.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use crate::core::rights::Right;

/// The rights a command was given, canonical names, in catalog order then
/// the `--rights` list's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RightFlags(pub Vec<String>);

/// `RIGHT_APPLICATION_INFO` → `right-application-info`.
fn flag(r: Right) -> String {
    r.name().to_ascii_lowercase().replace('_', "-")
}

impl FromArgMatches for RightFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut names: Vec<String> = Right::ALL
            .iter()
            .filter(|r| m.get_flag(&flag(**r)))
            .map(|r| r.name().to_owned())
            .collect();
        for n in m.get_many::<String>("rights").into_iter().flatten() {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        Ok(RightFlags(names))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = RightFlags::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for RightFlags {
    fn augment_args(cmd: Command) -> Command {
        let list = Arg::new("rights")
            .long("rights")
            .value_name("RIGHT,…")
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help("Rights as a comma-separated list (RIGHT_…), with or instead of the flags")
            .help_heading("Rights");
        Right::ALL.iter().fold(cmd.arg(list), |cmd, r| {
            cmd.arg(
                Arg::new(flag(*r))
                    .long(flag(*r))
                    .action(ArgAction::SetTrue)
                    .help(r.name())
                    .help_heading("Rights"),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        RightFlags::augment_args(cmd)
    }
}

impl RightFlags {
    /// The names, or `None` when no right was given.
    pub fn given(self) -> Option<Vec<String>> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        rights: RightFlags,
    }

    #[test]
    fn flags_and_the_list_give_canonical_names_once() {
        let t = T::try_parse_from([
            "t",
            "--right-application-info",
            "--rights",
            "RIGHT_GATEWAY_INFO,RIGHT_APPLICATION_INFO",
        ])
        .map_err(|e| e.to_string());
        assert_eq!(
            t.map(|t| t.rights.0),
            Ok(vec![
                "RIGHT_APPLICATION_INFO".to_owned(),
                "RIGHT_GATEWAY_INFO".to_owned()
            ])
        );
    }

    #[test]
    fn every_right_has_its_flag() {
        for r in Right::ALL {
            let t = T::try_parse_from(["t", &format!("--{}", flag(*r))]).map_err(|e| e.to_string());
            assert_eq!(t.map(|t| t.rights.0), Ok(vec![r.name().to_owned()]));
        }
    }
}
