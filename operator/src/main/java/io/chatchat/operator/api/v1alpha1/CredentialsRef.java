package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret holding a user name and a password. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CredentialsRef {
  @JsonPropertyDescription("Name of the Secret, in the ChatchatCluster's namespace.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String secretName;

  @JsonPropertyDescription("Key of the user name in the Secret.")
  @Default("username")
  public String usernameKey = "username";

  @JsonPropertyDescription("Key of the password in the Secret.")
  @Default("password")
  public String passwordKey = "password";
}
